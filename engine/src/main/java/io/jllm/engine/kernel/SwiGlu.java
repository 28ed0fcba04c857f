package io.jllm.engine.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * SwiGLU, {@code gate = silu(gate) * up} with {@code silu(g) = g / (1 + exp(-g))}: the scalar
 * reference and the SIMD form, the same IEEE operations per element (so the same bits), with
 * {@link Exp} for the exponential.
 */
final class SwiGlu {
    private SwiGlu() {
    }

    static void reference(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + Exp.exp(-g)) * up[i];
        }
    }

    static void simd(float[] gate, float[] up, int from, int to) {
        int i = from;
        if (Simd.WIDE) {
            for (; i + 16 <= to; i += 16) {
                FloatVector g = FloatVector.fromArray(Simd.F512, gate, i);
                g.div(Exp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(Simd.F512, up, i)).intoArray(gate, i);
            }
        } else {
            for (; i + 8 <= to; i += 8) {
                FloatVector g = FloatVector.fromArray(Simd.F256, gate, i);
                g.div(Exp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(Simd.F256, up, i)).intoArray(gate, i);
            }
        }
        reference(gate, up, i, to);
    }
}
