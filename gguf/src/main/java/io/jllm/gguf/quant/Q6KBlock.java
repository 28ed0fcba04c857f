package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;

/**
 * ggml's Q6_K: 256 elements in 16 sub-blocks of 16; element i of sub-block j is {@code d * sc[j] * (q[i] - 32)}
 * with 6-bit quants q and signed 8-bit sub-block scales sc.
 *
 * <p>Layout from {@code block_q6_K} (ggml/src/ggml-common.h): 128 bytes {@code ql} of low nibbles, 64 bytes
 * {@code qh} of high 2-bit pairs, 16 int8 scales, then the fp16 {@code d} last. The quants come in two halves
 * of 128 elements; in half h, for l in 0..31, {@code ql[64h + l]} holds elements l (low nibble) and l + 64
 * (high nibble), {@code ql[64h + 32 + l]} holds l + 32 and l + 96, and {@code qh[32h + l]} holds the top two
 * bits of l, l + 32, l + 64, l + 96 at bit offsets 0, 2, 4, 6 (element offsets within the half).
 *
 * <p>Quantization follows {@code quantize_row_q6_K_ref} (ggml/src/ggml-quants.c) in ggml's float operation
 * order: per sub-block, {@code make_qx_quants(16, 32, x, L, 1, NULL)} picks the scale maximizing the
 * x²-weighted fit over 19 grid spacings around {@code -32 / max}; the scales are then quantized to int8 so
 * the largest maps to -128 (d is negative when that scale is positive), and every element is re-quantized
 * against the stored scale. A sub-block whose stored scale is 0 keeps the search's levels, as ggml does; a
 * block whose scales are all below 1e-15 is stored all zero. The fp16 d overflows to infinity once the
 * largest sub-block scale exceeds 128 * 65504 (values over about 32 times that), as in ggml. NaN input
 * never throws; as for {@link Q4KBlock}, bytes match ggml's for the canonical NaN, not necessarily for
 * NaNs with other payloads.
 */
public final class Q6KBlock extends PackedBlockCodec<Q6KBlock.Scratch> {
    public static final int BLOCK_SIZE = 256;
    public static final int BLOCK_BYTES = 210;
    public static final int SUB_BLOCK_SIZE = 16;
    public static final int SUB_BLOCKS = BLOCK_SIZE / SUB_BLOCK_SIZE;
    /** 128 bytes: low 4 bits of the quants. */
    public static final int OFFSET_QL = 0;
    /** 64 bytes: high 2 bits of the quants. */
    public static final int OFFSET_QH = 128;
    /** 16 signed bytes: sub-block scales. */
    public static final int OFFSET_SCALES = 192;
    /** fp16 super-block scale. */
    public static final int OFFSET_D = 208;

    public static final Q6KBlock INSTANCE = new Q6KBlock();

    private static final int NMAX = 32;
    /** ggml's GROUP_MAX_EPS: below this the block is treated as zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private Q6KBlock() {
        super(GgmlType.Q6_K);
    }

    @Override
    void decodeBlock(byte[] block, int base, float[] dst, int at) {
        float d = F16Block.toFloat(LittleEndian.getShort(block, base + OFFSET_D));
        for (int h = 0; h < 2; h++) {
            int ql = base + OFFSET_QL + 64 * h;
            int qh = base + OFFSET_QH + 32 * h;
            int sc = base + OFFSET_SCALES + 8 * h;
            int out = at + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int low = block[ql + l];
                int low2 = block[ql + 32 + l];
                int high = block[qh + l];
                int q1 = ((low & 0x0F) | (high & 3) << 4) - 32;
                int q2 = ((low2 & 0x0F) | (high >> 2 & 3) << 4) - 32;
                int q3 = ((low >> 4 & 0x0F) | (high >> 4 & 3) << 4) - 32;
                int q4 = ((low2 >> 4 & 0x0F) | (high >> 6 & 3) << 4) - 32;
                dst[out + l] = d * block[sc + is] * q1;
                dst[out + 32 + l] = d * block[sc + is + 2] * q2;
                dst[out + 64 + l] = d * block[sc + is + 4] * q3;
                dst[out + 96 + l] = d * block[sc + is + 6] * q4;
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int at, byte[] block, Scratch s) {
        float maxScale = 0f;
        float maxAbsScale = 0f;
        for (int ib = 0; ib < SUB_BLOCKS; ib++) {
            float scale = fitScale(x, at + SUB_BLOCK_SIZE * ib, s, SUB_BLOCK_SIZE * ib);
            s.scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            Arrays.fill(block, (byte) 0);
            return;
        }

        float iscale = -128f / maxScale;
        short dBits = F16Block.fromFloat(1 / iscale);
        LittleEndian.putShort(block, OFFSET_D, dBits);
        for (int ib = 0; ib < SUB_BLOCKS; ib++) {
            block[OFFSET_SCALES + ib] = (byte) Math.min(127, GgmlMath.nearestInt(iscale * s.scales[ib]));
        }

        float dStored = F16Block.toFloat(dBits);
        int[] levels = s.levels;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            float d = dStored * block[OFFSET_SCALES + j];
            if (d == 0f) {
                continue; // keeps the search's levels, as ggml does (NaN d does not skip: C's !d is false)
            }
            int from = at + SUB_BLOCK_SIZE * j;
            for (int i = 0; i < SUB_BLOCK_SIZE; i++) {
                int l = GgmlMath.nearestInt(x[from + i] / d);
                levels[SUB_BLOCK_SIZE * j + i] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }

        for (int h = 0; h < 2; h++) {
            int ql = OFFSET_QL + 64 * h;
            int qh = OFFSET_QH + 32 * h;
            int lv = 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[lv + l];
                int q2 = levels[lv + l + 32];
                int q3 = levels[lv + l + 64];
                int q4 = levels[lv + l + 96];
                block[ql + l] = (byte) ((q1 & 0x0F) | (q3 & 0x0F) << 4);
                block[ql + 32 + l] = (byte) ((q2 & 0x0F) | (q4 & 0x0F) << 4);
                block[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }

    /**
     * ggml's {@code make_qx_quants(16, 32, x, L, 1, NULL)}: levels l in -32..31 for {@code x ~ scale * l},
     * weighting each element by x², trying the spacings {@code -(32 + 0.1 k) / max} for k in -9..9 and keeping
     * the best fit. Writes levels + 32 to {@code s.levels[lOut..]} and returns the scale.
     */
    private static float fitScale(float[] x, int from, Scratch s, int lOut) {
        final int n = SUB_BLOCK_SIZE;
        int[] levels = s.levels;
        int[] aux = s.aux;
        float max = GgmlMath.largestMagnitude(x, from, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lOut + i] = 0;
            }
            return 0f;
        }
        float iscale = -NMAX / max;
        float sumLX = 0f;
        float sumL2 = 0f;
        for (int i = 0; i < n; i++) {
            float xi = x[from + i];
            int l = Math.max(-NMAX, Math.min(NMAX - 1, GgmlMath.nearestInt(iscale * xi)));
            levels[lOut + i] = l + NMAX;
            float w = xi * xi;
            sumLX += w * xi * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0f ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(NMAX + 0.1f * is) / max;
            sumLX = 0f;
            sumL2 = 0f;
            for (int i = 0; i < n; i++) {
                float xi = x[from + i];
                int l = Math.max(-NMAX, Math.min(NMAX - 1, GgmlMath.nearestInt(iscale * xi)));
                aux[i] = l;
                float w = xi * xi;
                sumLX += w * xi * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[lOut + i] = aux[i] + NMAX;
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    @Override
    Scratch newScratch() {
        return new Scratch();
    }

    /** Per-call working arrays of the quantizer. */
    static final class Scratch {
        final int[] levels = new int[BLOCK_SIZE];
        final int[] aux = new int[SUB_BLOCK_SIZE];
        final float[] scales = new float[SUB_BLOCKS];
    }
}
