package io.jllm.gguf;

import io.jllm.gguf.quant.QuantCodec;
import io.jllm.gguf.quant.Codecs;

/**
 * The ggml tensor types a GGUF file can name, with their on-disk ids and block geometry.
 *
 * <p>Ids, elements per block and bytes per block follow ggml's {@code enum ggml_type} and its
 * {@code type_traits} table (ggml/src/ggml.c in ggml-org/llama.cpp). Every type a file may carry is
 * listed so the reader can size and bounds-check any tensor; only some have a codec here
 * ({@link #hasCodec()}), and the engine computes with fewer still.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The id stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float and integer types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** The type with this id, or null where ggml defines none (callers turn that into a format error). */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /**
     * Bytes taken by {@code elements} values of this type, or -1 if {@code elements} is not a whole
     * number of blocks or the size overflows a long.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            return -1;
        }
        long blocks = elements / blockSize;
        return blocks > Long.MAX_VALUE / bytesPerBlock ? -1 : blocks * bytesPerBlock;
    }

    /** Whether this project has a reference quantize/dequantize for the type. */
    public boolean hasCodec() {
        return Codecs.forType(this) != null;
    }

    /** The reference codec; throws naming the type where none exists. */
    public QuantCodec codec() {
        QuantCodec codec = Codecs.forType(this);
        if (codec == null) {
            throw new UnsupportedOperationException("ggml type " + this + " has no codec in jLLM; supported: "
                    + Codecs.supported());
        }
        return codec;
    }
}
