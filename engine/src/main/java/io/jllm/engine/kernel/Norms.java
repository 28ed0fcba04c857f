package io.jllm.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * RMSNorm as ggml computes it (ggml-cpu/ops.cpp rms_norm fused with the weight multiply): the sum
 * of squares accumulates in double, {@code scale = 1/sqrtf(mean + eps)} in float, and
 * {@code y = (x * scale) * w}.
 */
public final class Norms {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Norms() {
    }

    /** Normalizes {@code n} values of {@code x} into {@code out} with weights {@code w} (F32, n values). */
    public static void rmsNorm(float[] x, int xOff, float[] out, int outOff, int n, MemorySegment w, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * w.getAtIndex(F32, i);
        }
    }
}
