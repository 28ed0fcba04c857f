package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;

/**
 * ggml's Q8_K, the activation format of the K-quant dot products: 256 elements as a float32 scale {@code d},
 * 256 signed bytes, and 16 int16 sums of each run of 16 quants (so a dot product can fold in a sub-block
 * min without touching the quants again); element i is {@code d * qs[i]}.
 *
 * <p>Layout from {@code block_q8_K} (ggml/src/ggml-common.h); quantization follows
 * {@code quantize_row_q8_K_ref} (ggml/src/ggml-quants.c): the value of largest magnitude maps to -127 (so d
 * has the opposite sign to it), the rest are rounded half to even. An all-zero block is stored all zero
 * (ggml leaves its sums unwritten). The scale is float32, so no fp16 overflow; NaNs are skipped by the max
 * search and quantize as ggml's {@code nearest_int} does.
 */
public final class Q8KBlock extends PackedBlockCodec<Void> {
    public static final int BLOCK_SIZE = 256;
    public static final int BLOCK_BYTES = 292;
    /** float32 scale. */
    public static final int OFFSET_D = 0;
    /** 256 int8 quants, element order. */
    public static final int OFFSET_QS = 4;
    /** 16 int16 sums of quants 16k..16k+15. */
    public static final int OFFSET_BSUMS = 260;
    public static final int BSUM_GROUP = 16;

    public static final Q8KBlock INSTANCE = new Q8KBlock();

    private Q8KBlock() {
        super(GgmlType.Q8_K);
    }

    @Override
    void decodeBlock(byte[] block, int base, float[] dst, int at) {
        float d = LittleEndian.getFloat(block, base + OFFSET_D);
        for (int j = 0; j < BLOCK_SIZE; j++) {
            dst[at + j] = d * block[base + OFFSET_QS + j];
        }
    }

    @Override
    void encodeBlock(float[] x, int at, byte[] block, Void scratch) {
        float max = GgmlMath.largestMagnitude(x, at, BLOCK_SIZE);
        if (max == 0f) {
            Arrays.fill(block, (byte) 0);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            block[OFFSET_QS + j] = (byte) Math.min(127, GgmlMath.nearestInt(iscale * x[at + j]));
        }
        for (int g = 0; g < BLOCK_SIZE / BSUM_GROUP; g++) {
            int sum = 0;
            for (int i = 0; i < BSUM_GROUP; i++) {
                sum += block[OFFSET_QS + BSUM_GROUP * g + i];
            }
            LittleEndian.putShort(block, OFFSET_BSUMS + 2 * g, (short) sum);
        }
        LittleEndian.putFloat(block, OFFSET_D, 1 / iscale);
    }

    @Override
    Void newScratch() {
        return null;
    }
}
