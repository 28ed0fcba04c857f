package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;

/**
 * ggml's Q4_K: 256 elements in 8 sub-blocks of 32; element i of sub-block j is
 * {@code d * sc[j] * q[i] - dmin * m[j]} with 4-bit quants q and 6-bit sub-block scales sc and mins m.
 *
 * <p>Layout from {@code block_q4_K} (ggml/src/ggml-common.h): fp16 {@code d}, fp16 {@code dmin}, 12 bytes
 * packing the 8 six-bit scales and 8 six-bit mins (see {@link #scale} and {@link #min}, after ggml's
 * {@code get_scale_min_k4}), then 128 bytes of quants: each 32-byte group g holds sub-block 2g in its low
 * nibbles and sub-block 2g + 1 in its high nibbles.
 *
 * <p>Quantization follows {@code quantize_row_q4_K_ref} (ggml/src/ggml-quants.c) step for step, in the same
 * float operation order, so the bytes equal ggml's: per sub-block a weighted least-squares search over 21
 * candidate scales ({@code make_qkx2_quants} with weights {@code rms + |x|}, grid offsets -1 + 0.1 k), then
 * the scales and mins are quantized to 6 bits against their block maxima, stored as fp16 {@code max/63},
 * and every element is re-quantized against the stored scale and min. A sub-block whose stored scale is 0
 * keeps the levels from the search, as ggml does. All-zero input gives an all-zero block. The fp16 d and
 * dmin overflow to infinity once a sub-block's fitted scale exceeds 63 * 65504 (a range over about 15 times
 * that), as in ggml. NaN input never throws; it yields ggml's bytes for the canonical NaN, but which NaN
 * payload an arithmetic operation passes on is left to the compiler in C and in Java, and that payload
 * reaches the levels through {@code nearest_int}, so blocks holding other NaNs may differ from ggml's.
 */
public final class Q4KBlock extends PackedBlockCodec<Q4KBlock.Scratch> {
    public static final int BLOCK_SIZE = 256;
    public static final int BLOCK_BYTES = 144;
    public static final int SUB_BLOCK_SIZE = 32;
    public static final int SUB_BLOCKS = BLOCK_SIZE / SUB_BLOCK_SIZE;
    /** fp16 super-block scale of the sub-block scales. */
    public static final int OFFSET_D = 0;
    /** fp16 super-block scale of the sub-block mins. */
    public static final int OFFSET_DMIN = 2;
    /** 12 bytes of packed 6-bit scales and mins. */
    public static final int OFFSET_SCALES = 4;
    public static final int SCALES_BYTES = 12;
    /** 128 bytes of 4-bit quants. */
    public static final int OFFSET_QS = 16;

    public static final Q4KBlock INSTANCE = new Q4KBlock();

    private static final int NMAX = 15;

    private Q4KBlock() {
        super(GgmlType.Q4_K);
    }

    /**
     * The 6-bit scale of sub-block {@code j} from the 12 packed bytes at {@code scales[at..]}: sub-blocks 0-3
     * keep theirs in the low 6 bits of bytes 0-3; sub-blocks 4-7 in the low nibble of bytes 8-11 plus the top
     * two bits of bytes 0-3.
     */
    public static int scale(byte[] scales, int at, int j) {
        if (j < 4) {
            return scales[at + j] & 63;
        }
        return (scales[at + j + 4] & 0x0F) | (scales[at + j - 4] >> 6 & 3) << 4;
    }

    /** The 6-bit min of sub-block {@code j}: like {@link #scale}, from bytes 4-7 and the high nibbles of 8-11. */
    public static int min(byte[] scales, int at, int j) {
        if (j < 4) {
            return scales[at + j + 4] & 63;
        }
        return (scales[at + j + 4] >> 4 & 0x0F) | (scales[at + j] >> 6 & 3) << 4;
    }

    @Override
    void decodeBlock(byte[] block, int base, float[] dst, int at) {
        float d = F16Block.toFloat(LittleEndian.getShort(block, base + OFFSET_D));
        float dmin = F16Block.toFloat(LittleEndian.getShort(block, base + OFFSET_DMIN));
        int scales = base + OFFSET_SCALES;
        for (int g = 0; g < SUB_BLOCKS / 2; g++) {
            float dLow = d * scale(block, scales, 2 * g);
            float mLow = dmin * min(block, scales, 2 * g);
            float dHigh = d * scale(block, scales, 2 * g + 1);
            float mHigh = dmin * min(block, scales, 2 * g + 1);
            int qs = base + OFFSET_QS + 32 * g;
            int out = at + 64 * g;
            for (int l = 0; l < 32; l++) {
                int q = block[qs + l];
                dst[out + l] = dLow * (q & 0x0F) - mLow;
                dst[out + 32 + l] = dHigh * (q >> 4 & 0x0F) - mHigh;
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int at, byte[] block, Scratch s) {
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            int from = at + SUB_BLOCK_SIZE * j;
            float sumX2 = 0f;
            for (int l = 0; l < SUB_BLOCK_SIZE; l++) {
                sumX2 += x[from + l] * x[from + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < SUB_BLOCK_SIZE; l++) {
                s.weights[l] = avX + Math.abs(x[from + l]);
            }
            s.scales[j] = fitScaleAndMin(x, from, s, SUB_BLOCK_SIZE * j, j);
            if (s.scales[j] > maxScale) {
                maxScale = s.scales[j];
            }
            if (s.mins[j] > maxMin) {
                maxMin = s.mins[j];
            }
        }

        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            // ggml stores nearest_int into a uint8_t before clamping, hence the low byte
            int ls = Math.min(63, GgmlMath.nearestInt(invScale * s.scales[j]) & 0xFF);
            int lm = Math.min(63, GgmlMath.nearestInt(invMin * s.mins[j]) & 0xFF);
            int p = OFFSET_SCALES;
            if (j < 4) {
                block[p + j] = (byte) ls;
                block[p + j + 4] = (byte) lm;
            } else {
                block[p + j + 4] = (byte) ((ls & 0x0F) | (lm & 0x0F) << 4);
                block[p + j - 4] |= (byte) ((ls >> 4) << 6);
                block[p + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short dBits = F16Block.fromFloat(maxScale / 63f);
        short dminBits = F16Block.fromFloat(maxMin / 63f);
        LittleEndian.putShort(block, OFFSET_D, dBits);
        LittleEndian.putShort(block, OFFSET_DMIN, dminBits);

        float dStored = F16Block.toFloat(dBits);
        float dminStored = F16Block.toFloat(dminBits);
        int[] levels = s.levels;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            float d = dStored * scale(block, OFFSET_SCALES, j);
            if (d == 0f) {
                continue; // keeps the search's levels, as ggml does (NaN d does not skip: C's !d is false)
            }
            float dm = dminStored * min(block, OFFSET_SCALES, j);
            int from = at + SUB_BLOCK_SIZE * j;
            for (int l = 0; l < SUB_BLOCK_SIZE; l++) {
                int q = GgmlMath.nearestInt((x[from + l] + dm) / d);
                levels[SUB_BLOCK_SIZE * j + l] = Math.max(0, Math.min(NMAX, q));
            }
        }

        for (int g = 0; g < SUB_BLOCKS / 2; g++) {
            int qs = OFFSET_QS + 32 * g;
            for (int l = 0; l < 32; l++) {
                block[qs + l] = (byte) (levels[64 * g + l] | levels[64 * g + 32 + l] << 4);
            }
        }
    }

    /**
     * ggml's {@code make_qkx2_quants(32, 15, x, weights, L, &min, Laux, -1, 0.1, 20, false)}: fits
     * {@code x ~ scale * l - min} with l in 0..15, minimizing the weighted squared error over 21 candidate
     * grid spacings. Writes the levels to {@code s.levels[lOut..]} and the (non-negative) min to
     * {@code s.mins[j]}; returns the scale. Operation order matches ggml's so float results are identical.
     */
    private static float fitScaleAndMin(float[] x, int from, Scratch s, int lOut, int j) {
        float[] w = s.weights;
        int[] levels = s.levels;
        int[] aux = s.aux;
        final int n = SUB_BLOCK_SIZE;
        final float rmin = -1f;
        final float rdelta = 0.1f;
        final int nstep = 20;

        float min = x[from];
        float max = x[from];
        float sumW = w[0];
        float sumX = sumW * x[from];
        for (int i = 1; i < n; i++) {
            float xi = x[from + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            sumW += w[i];
            sumX += w[i] * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lOut + i] = 0;
            }
            s.mins[j] = -min;
            return 0f;
        }
        float iscale = NMAX / (max - min);
        float scale = 1 / iscale;
        float bestError = 0f;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(NMAX, GgmlMath.nearestInt(iscale * (x[from + i] - min))));
            levels[lOut + i] = l;
            float diff = scale * l + min - x[from + i];
            bestError += w[i] * (diff * diff);
        }
        // As in ggml, later candidates are spaced from the best min found so far, not from the data minimum.
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + NMAX) / (max - min);
            float sumL = 0f;
            float sumL2 = 0f;
            float sumXL = 0f;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(NMAX, GgmlMath.nearestInt(iscale * (x[from + i] - min))));
                aux[i] = l;
                float wl = w[i] * l;
                sumL += wl;
                sumL2 += wl * l;
                sumXL += wl * x[from + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0f;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[from + i];
                    curError += w[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, levels, lOut, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        s.mins[j] = -min;
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
        final float[] weights = new float[SUB_BLOCK_SIZE];
        final float[] scales = new float[SUB_BLOCKS];
        final float[] mins = new float[SUB_BLOCKS];
    }
}
