package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;

/**
 * ggml's Q8_0: 32 elements as an fp16 scale {@code d} and 32 signed bytes; element i is {@code d * qs[i]}.
 *
 * <p>Layout from {@code block_q8_0} (ggml/src/ggml-common.h); quantization follows
 * {@code quantize_row_q8_0_ref} (ggml/src/ggml-quants.c): {@code d = max|x| / 127}, each value rounded half
 * away from zero after multiplying by {@code 1/d} (computed from the unrounded d). An all-zero block gets
 * d = 0 and zero quants. Above {@code max|x| = 127 * 65504} the fp16 d overflows to infinity, as in ggml, so
 * such a block decodes to infinities (and NaN where a quant is 0). A NaN makes ggml's running max restart
 * after it; that is reproduced, and NaN quants become 0.
 */
public final class Q8_0Block extends PackedBlockCodec<Void> {
    public static final int BLOCK_SIZE = 32;
    public static final int BLOCK_BYTES = 34;
    /** fp16 scale. */
    public static final int OFFSET_D = 0;
    /** 32 int8 quants, element order. */
    public static final int OFFSET_QS = 2;

    public static final Q8_0Block INSTANCE = new Q8_0Block();

    private Q8_0Block() {
        super(GgmlType.Q8_0);
    }

    @Override
    void decodeBlock(byte[] block, int base, float[] dst, int at) {
        float d = F16Block.toFloat(LittleEndian.getShort(block, base + OFFSET_D));
        for (int j = 0; j < BLOCK_SIZE; j++) {
            dst[at + j] = block[base + OFFSET_QS + j] * d;
        }
    }

    @Override
    void encodeBlock(float[] src, int at, byte[] block, Void scratch) {
        float amax = 0f;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            float a = Math.abs(src[at + j]);
            amax = amax > a ? amax : a; // ggml's MAX macro: a NaN replaces the max, and the next value replaces the NaN
        }
        float d = amax / 127;
        float id = d != 0f ? 1f / d : 0f;
        LittleEndian.putShort(block, OFFSET_D, F16Block.fromFloat(d));
        for (int j = 0; j < BLOCK_SIZE; j++) {
            block[OFFSET_QS + j] = (byte) GgmlMath.truncate(GgmlMath.roundHalfAway(src[at + j] * id));
        }
    }

    @Override
    Void newScratch() {
        return null;
    }
}
