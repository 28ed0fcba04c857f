package io.jllm.engine.kernel;

import io.jllm.gguf.GgmlType;
import java.util.SplittableRandom;

/** Activations for kernel tests. */
final class KernelFixtures {
    private KernelFixtures() {
    }

    /** {@code n} values of a few sizes, as a layer's activations have: mostly O(1), some outliers. */
    static float[] activations(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = random.nextGaussian();
            if (random.nextInt(64) == 0) {
                v *= 50;
            }
            x[i] = (float) v;
        }
        return x;
    }

    /** Activations converted by the SIMD quantizer for weights of {@code type}. */
    static Activations simd(GgmlType type, float[] x, int tokens, int cols) {
        Activations a = new Activations(Math.max(1, tokens * cols));
        SimdKernels.INSTANCE.quantize(type, x, tokens, cols, a);
        return a;
    }

    /** Bits of a float with every NaN made the same (NaN payloads are not part of any contract here). */
    static int bits(float f) {
        return Float.floatToIntBits(f);
    }
}
