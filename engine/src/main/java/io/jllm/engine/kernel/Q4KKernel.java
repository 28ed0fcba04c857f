package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K weights times Q8_K activations.
 *
 * <p>Block (ggml-common.h block_q4_K, 144 bytes per 256 weights): fp16 d at 0, fp16 dmin at 2,
 * twelve bytes packing eight 6-bit scales and eight 6-bit mins at 4, then 128 bytes of nibbles:
 * 64-weight chunk c holds sub-block 2c in the low nibbles of bytes 32c..32c+31 and sub-block 2c+1
 * in their high nibbles. Weight = d*scale*q - dmin*min.
 *
 * <p>Per super-block the integer parts are exact: S = sum_j scale_j * (q_j . y_j) and
 * M = sum_j min_j * (sum of y_j, from the Q8_K per-16 sums). The float part is fixed as
 * {@code acc += (d*dy)*S; acc -= (dmin*dy)*M} in block order, and every implementation follows it,
 * which makes SIMD results bit-identical to this reference.
 */
public final class Q4KKernel {
    static final int BLOCK_BYTES = 144;
    static final int D = 0;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    private Q4KKernel() {
    }

    /** Scalar reference of one row times one token's Q8_K activations. */
    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 256;
        int[] sc = new int[8];
        int[] mn = new int[8];
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            unpackScales(w, blk + SCALES, sc, mn);
            int ab = token * blocks + b;
            int q8 = ab * 256;
            int sumi = 0;
            for (int c = 0; c < 4; c++) {
                int lo = 0;
                int hi = 0;
                for (int l = 0; l < 32; l++) {
                    int q = Bytes.u8(w, blk + QS + 32 * c + l);
                    lo += (q & 0xF) * a.qs[q8 + 64 * c + l];
                    hi += (q >>> 4) * a.qs[q8 + 64 * c + 32 + l];
                }
                sumi += sc[2 * c] * lo + sc[2 * c + 1] * hi;
            }
            int summ = 0;
            for (int j = 0; j < 8; j++) {
                summ += mn[j] * (a.bsums[ab * 16 + 2 * j] + a.bsums[ab * 16 + 2 * j + 1]);
            }
            float dy = a.scales[ab];
            acc += (Bytes.f16(w, blk + D) * dy) * sumi;
            acc -= (Bytes.f16(w, blk + DMIN) * dy) * summ;
        }
        return acc;
    }

    /** ggml's get_scale_min_k4 for all eight sub-blocks. */
    static void unpackScales(MemorySegment w, long at, int[] sc, int[] mn) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = Bytes.u8(w, at + j) & 63;
                mn[j] = Bytes.u8(w, at + j + 4) & 63;
            } else {
                sc[j] = (Bytes.u8(w, at + j + 4) & 0xF) | ((Bytes.u8(w, at + j - 4) >>> 6) << 4);
                mn[j] = (Bytes.u8(w, at + j + 4) >>> 4) | ((Bytes.u8(w, at + j) >>> 6) << 4);
            }
        }
    }

    static final MatMulKernel REFERENCE = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        for (int t = 0; t < a.tokens(); t++) {
            for (int r = r0; r < r1; r++) {
                y[t * stride + r] = referenceDot(w.data(), w.rowOffset(r), a, t, w.cols());
            }
        }
    };
}
