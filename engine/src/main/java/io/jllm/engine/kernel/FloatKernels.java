package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * F32, F16 and BF16 weights. The references accumulate in double, the most accurate order, and are
 * the yardstick the SIMD kernels (float lanes, another summation order) are held to within a
 * tolerance. F16/BF16 activations are rounded to the weight's format first, as ggml does.
 */
public final class FloatKernels {
    private FloatKernels() {
    }

    public static float referenceDotF32(MemorySegment w, long row, Activations a, int token, int cols) {
        double acc = 0;
        for (int j = 0; j < cols; j++) {
            acc += (double) Bytes.f32(w, row + 4L * j) * a.f32[token * cols + j];
        }
        return (float) acc;
    }

    public static float referenceDotF16(MemorySegment w, long row, Activations a, int token, int cols) {
        double acc = 0;
        for (int j = 0; j < cols; j++) {
            acc += (double) Bytes.f16(w, row + 2L * j) * Float.float16ToFloat(a.half[token * cols + j]);
        }
        return (float) acc;
    }

    public static float referenceDotBF16(MemorySegment w, long row, Activations a, int token, int cols) {
        double acc = 0;
        for (int j = 0; j < cols; j++) {
            float wj = ActivationQuantizer.fromBf16(w.get(Bytes.SHORT_LE, row + 2L * j));
            acc += (double) wj * ActivationQuantizer.fromBf16(a.half[token * cols + j]);
        }
        return (float) acc;
    }

    static final MatMulKernel F32_REFERENCE = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        for (int t = 0; t < a.tokens(); t++) {
            for (int r = r0; r < r1; r++) {
                y[t * stride + r] = referenceDotF32(w.data(), w.rowOffset(r), a, t, w.cols());
            }
        }
    };

    static final MatMulKernel F16_REFERENCE = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        for (int t = 0; t < a.tokens(); t++) {
            for (int r = r0; r < r1; r++) {
                y[t * stride + r] = referenceDotF16(w.data(), w.rowOffset(r), a, t, w.cols());
            }
        }
    };

    static final MatMulKernel BF16_REFERENCE = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        for (int t = 0; t < a.tokens(); t++) {
            for (int r = r0; r < r1; r++) {
                y[t * stride + r] = referenceDotBF16(w.data(), w.rowOffset(r), a, t, w.cols());
            }
        }
    };
}
