package io.jllm.engine.kernel;

/**
 * Rotary position embedding in NEOX layout (Qwen3: element i pairs with element i + dims/2).
 *
 * <p>Angles follow ggml (ops.cpp rope_cache_init): {@code theta_0 = pos * freqScale}, each next
 * pair multiplies by {@code theta_scale = powf(base, -2/dims)} in float, and cos/sin are taken of
 * the float angle. Computing {@code base^(-2i/dims)} directly would differ in the last bits.
 */
public final class Rope {
    private Rope() {
    }

    /** Fills {@code table[off .. off+dims)} with (cos, sin) pairs for position {@code pos}. */
    public static void table(int pos, int dims, float base, float freqScale, float[] table, int off) {
        float thetaScale = (float) Math.pow(base, -2.0f / dims);
        float theta = pos;
        for (int i = 0; i < dims; i += 2) {
            float angle = freqScale * theta;
            table[off + i] = (float) Math.cos(angle);
            table[off + i + 1] = (float) Math.sin(angle);
            theta *= thetaScale;
        }
    }

    /** Rotates one head of {@code dims} values in place. */
    public static void apply(float[] v, int off, int dims, float[] table, int tableOff) {
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float cos = table[tableOff + 2 * i];
            float sin = table[tableOff + 2 * i + 1];
            float x0 = v[off + i];
            float x1 = v[off + i + half];
            v[off + i] = x0 * cos - x1 * sin;
            v[off + i + half] = x0 * sin + x1 * cos;
        }
    }
}
