package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0 weights times Q8_0 activations. Block (block_q4_0, 18 bytes per 32): fp16 d, 16 bytes whose
 * low nibbles are weights 0..15 and high nibbles weights 16..31, each minus 8.
 * Fixed float part: {@code acc += sumi * (d*dy)} per block in order.
 */
public final class Q4_0Kernel {
    static final int BLOCK_BYTES = 18;
    static final int D = 0;
    static final int QS = 2;

    private Q4_0Kernel() {
    }

    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 32;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int ab = token * blocks + b;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(w, blk + QS + j);
                sumi += ((q & 0xF) - 8) * a.qs[ab * 32 + j] + ((q >>> 4) - 8) * a.qs[ab * 32 + 16 + j];
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
