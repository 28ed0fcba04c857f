package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;

/**
 * ggml's Q4_0: 32 elements as an fp16 scale {@code d} and 16 bytes of 4-bit quants; element i is
 * {@code d * (q[i] - 8)}. Byte j holds element j in its low nibble and element j + 16 in its high nibble.
 *
 * <p>Layout from {@code block_q4_0} (ggml/src/ggml-common.h); quantization follows
 * {@code quantize_row_q4_0_ref} (ggml/src/ggml-quants.c): the value of largest magnitude (first one on ties)
 * maps exactly to level -8, so {@code d = max / -8} is signed; the others are truncated after adding 8.5
 * (round half up) and clamped to 15. An all-zero block gets d = -0 (max = 0 divided by -8) and quants 8. Above
 * {@code |max| = 8 * 65504} the fp16 d overflows to infinity, as in ggml. NaNs are skipped by the max search
 * and, like ggml, turned into whatever its x86 float-to-int conversion gives (quant 0 after clamping).
 */
public final class Q4_0Block extends PackedBlockCodec<Void> {
    public static final int BLOCK_SIZE = 32;
    public static final int BLOCK_BYTES = 18;
    /** fp16 scale. */
    public static final int OFFSET_D = 0;
    /** 16 bytes: low nibbles are elements 0..15, high nibbles 16..31. */
    public static final int OFFSET_QS = 2;

    public static final Q4_0Block INSTANCE = new Q4_0Block();

    private Q4_0Block() {
        super(GgmlType.Q4_0);
    }

    @Override
    void decodeBlock(byte[] block, int base, float[] dst, int at) {
        float d = F16Block.toFloat(LittleEndian.getShort(block, base + OFFSET_D));
        for (int j = 0; j < BLOCK_SIZE / 2; j++) {
            int q = block[base + OFFSET_QS + j];
            dst[at + j] = ((q & 0x0F) - 8) * d;
            dst[at + j + BLOCK_SIZE / 2] = ((q >> 4 & 0x0F) - 8) * d;
        }
    }

    @Override
    void encodeBlock(float[] src, int at, byte[] block, Void scratch) {
        float max = GgmlMath.largestMagnitude(src, at, BLOCK_SIZE);
        float d = max / -8;
        float id = d != 0f ? 1f / d : 0f;
        LittleEndian.putShort(block, OFFSET_D, F16Block.fromFloat(d));
        for (int j = 0; j < BLOCK_SIZE / 2; j++) {
            int lo = level(src[at + j] * id);
            int hi = level(src[at + j + BLOCK_SIZE / 2] * id);
            block[OFFSET_QS + j] = (byte) (lo | hi << 4);
        }
    }

    /** ggml's {@code MIN(15, (int8_t)(x + 8.5f))}: the int8 conversion keeps the low byte of the x86 conversion. */
    private static int level(float scaled) {
        int q = (byte) GgmlMath.truncate(scaled + 8.5f);
        return (q < 15 ? q : 15) & 0xFF;
    }

    @Override
    Void newScratch() {
        return null;
    }
}
