package io.jllm.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding in NEOX layout (Qwen3: element i pairs with element i + dims/2).
 *
 * <p>Angles follow ggml (ops.cpp rope_cache_init): {@code theta_0 = pos * freqScale}, each next
 * pair multiplies by {@code theta_scale = powf(base, -2/dims)} in float, and cos/sin are taken of
 * the float angle. Computing {@code base^(-2i/dims)} directly would differ in the last bits.
 *
 * <p>A position's table holds the dims/2 cosines, then the dims/2 sines, so that {@link #applyHeads}
 * reads both with plain vector loads; {@link #apply} is its scalar reference (same bits: each
 * product rounded, then the sum or difference, in both).
 */
public final class Rope {
    private static final VectorSpecies<Float> FS = Simd.WIDE ? Simd.F512 : Simd.F256;

    private Rope() {
    }

    /** Fills {@code table[off .. off+dims)} with the cosines, then the sines, for position {@code pos}. */
    public static void table(int pos, int dims, float base, float freqScale, float[] table, int off) {
        float thetaScale = (float) Math.pow(base, -2.0f / dims);
        float theta = pos;
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float angle = freqScale * theta;
            table[off + i] = (float) Math.cos(angle);
            table[off + half + i] = (float) Math.sin(angle);
            theta *= thetaScale;
        }
    }

    /** Rotates one head of {@code dims} values in place (the reference). */
    public static void apply(float[] v, int off, int dims, float[] table, int tableOff) {
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float cos = table[tableOff + i];
            float sin = table[tableOff + half + i];
            float x0 = v[off + i];
            float x1 = v[off + i + half];
            v[off + i] = x0 * cos - x1 * sin;
            v[off + i + half] = x0 * sin + x1 * cos;
        }
    }

    /** {@link #apply} for {@code heads} heads at {@code off + h*dims}, all at one position; the same bits. */
    public static void applyHeads(float[] v, int off, int heads, int dims, float[] table, int tableOff) {
        int half = dims / 2;
        int vl = FS.length();
        if (Simd.BITS == 0 || half % vl != 0) {
            for (int h = 0; h < heads; h++) {
                apply(v, off + h * dims, dims, table, tableOff);
            }
            return;
        }
        for (int i = 0; i < half; i += vl) {
            FloatVector cos = FloatVector.fromArray(FS, table, tableOff + i);
            FloatVector sin = FloatVector.fromArray(FS, table, tableOff + half + i);
            for (int h = 0; h < heads; h++) {
                int at = off + h * dims + i;
                FloatVector x0 = FloatVector.fromArray(FS, v, at);
                FloatVector x1 = FloatVector.fromArray(FS, v, at + half);
                x0.mul(cos).sub(x1.mul(sin)).intoArray(v, at);
                x0.mul(sin).add(x1.mul(cos)).intoArray(v, at + half);
            }
        }
    }
}
