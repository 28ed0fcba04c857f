package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K weights times Q8_K activations.
 *
 * <p>Block (ggml-common.h block_q6_K, 210 bytes per 256 weights): 128 bytes of low nibbles (ql) at
 * 0, 64 bytes of high 2-bit pairs (qh) at 128, sixteen int8 scales at 192, fp16 d at 208.
 * In each 128-weight half h: for l < 32, weights l, l+32, l+64, l+96 take the low nibble of
 * ql[64h+l], the low nibble of ql[64h+l+32], the high nibble of ql[64h+l], the high nibble of
 * ql[64h+l+32], with qh[32h+l] bits 0-1, 2-3, 4-5, 6-7 on top; value = q - 32. Scale k covers
 * weights 16k..16k+15.
 *
 * <p>Fixed float part: {@code acc += (d*dy) * sum_k scale_k * (q_k . y_k)} per block in order.
 */
public final class Q6KKernel {
    static final int BLOCK_BYTES = 210;
    static final int QL = 0;
    static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;

    private Q6KKernel() {
    }

    /** The signed 6-bit value of weight {@code i} (0..255) of the block at {@code blk}. */
    static int weight(MemorySegment w, long blk, int i) {
        int h = i / 128;
        int r = i % 128;
        int l = r % 32;
        int quarter = r / 32;
        int ql = Bytes.u8(w, blk + QL + 64 * h + l + (quarter % 2) * 32);
        int low = quarter < 2 ? ql & 0xF : ql >>> 4;
        int high = (Bytes.u8(w, blk + QH + 32 * h + l) >>> (2 * quarter)) & 3;
        return (low | (high << 4)) - 32;
    }

    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 256;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int ab = token * blocks + b;
            int q8 = ab * 256;
            int sumi = 0;
            for (int k = 0; k < 16; k++) {
                int dot = 0;
                for (int j = 0; j < 16; j++) {
                    dot += weight(w, blk, 16 * k + j) * a.qs[q8 + 16 * k + j];
                }
                sumi += Bytes.i8(w, blk + SCALES + k) * dot;
            }
            acc += (Bytes.f16(w, blk + D) * a.scales[ab]) * sumi;
        }
        return acc;
    }

    static final MatMulKernel REFERENCE = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        for (int t = 0; t < a.tokens(); t++) {
            for (int r = r0; r < r1; r++) {
                y[t * stride + r] = referenceDot(w.data(), w.rowOffset(r), a, t, w.cols());
            }
        }
    };
}
