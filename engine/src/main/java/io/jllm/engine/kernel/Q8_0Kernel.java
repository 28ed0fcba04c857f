package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * Q8_0 weights times Q8_0 activations. Block (block_q8_0, 34 bytes per 32): fp16 d, 32 int8.
 * Fixed float part: {@code acc += sumi * (d*dy)} per block in order (ggml_vec_dot_q8_0_q8_0).
 */
public final class Q8_0Kernel {
    static final int BLOCK_BYTES = 34;
    static final int D = 0;
    static final int QS = 2;

    private Q8_0Kernel() {
    }

    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 32;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int ab = token * blocks + b;
            int sumi = 0;
            for (int j = 0; j < 32; j++) {
                sumi += Bytes.i8(w, blk + QS + j) * a.qs[ab * 32 + j];
            }
            acc += sumi * (Bytes.f16(w, blk + D) * a.scales[ab]);
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
