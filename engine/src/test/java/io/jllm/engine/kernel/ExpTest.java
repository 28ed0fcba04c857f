package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** {@link Exp}: its accuracy against {@code Math.exp}, its edges, and the vector form's bits. */
class ExpTest {
    /**
     * Cephes' polynomial with fma evaluation: about 1 ulp where the result is normal (measured worst
     * 1 ulp over 5*10^7 samples while writing it); 2 leaves room for a different but equally good
     * evaluation order and still fails a wrong coefficient or range reduction by far.
     */
    private static final long MAX_ULPS = 2;

    @Test
    void withinTwoUlpOfTheCorrectlyRoundedExpOverItsNormalRange() {
        SplittableRandom random = new SplittableRandom(7);
        long worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = (float) (Exp.LOW + random.nextDouble() * (Exp.HIGH - Exp.LOW));
            long ulps = ulps(Exp.exp(x), (float) Math.exp(x));
            if (ulps > worst) {
                worst = ulps;
                worstAt = x;
            }
        }
        // every float near 0, where softmax's largest weights and SiLU's steep part live
        for (float x = -1f; x <= 1f; x = Math.nextUp(x) + 1e-6f) {
            long ulps = ulps(Exp.exp(x), (float) Math.exp(x));
            if (ulps > worst) {
                worst = ulps;
                worstAt = x;
            }
        }
        assertTrue(worst <= MAX_ULPS, "worst " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void edgesAreExactOrDocumented() {
        assertEquals(1f, Exp.exp(0f));
        assertEquals(1f, Exp.exp(-0f));
        assertEquals(0f, Exp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Exp.exp(Float.NaN)));
        // below ln(2^-126) the true value is subnormal: 0; above ln(2^127.5): +Infinity
        assertEquals(0f, Exp.exp(Math.nextDown(Exp.LOW)));
        assertEquals(0f, Exp.exp(-1000f));
        assertTrue(ulps(Exp.exp(Exp.LOW), (float) Math.exp(Exp.LOW)) <= MAX_ULPS, "exp(LOW) = " + Exp.exp(Exp.LOW));
        assertTrue(Float.isFinite(Exp.exp(Exp.HIGH)));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Math.nextUp(Exp.HIGH)));
    }

    @Test
    void theVectorFormGivesTheScalarBitsAtBothWidths() {
        assumeTrue(SimdKernels.supported(), "no 256-bit vectors on this machine");
        float[] x = inputs();
        check(FloatVector.SPECIES_256, x);
        if (Simd.WIDE) {
            check(FloatVector.SPECIES_512, x);
        }
    }

    private static void check(VectorSpecies<Float> species, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i + species.length() <= x.length; i += species.length()) {
            Exp.exp(FloatVector.fromArray(species, x, i)).intoArray(out, i);
        }
        for (int i = 0; i < x.length / species.length() * species.length(); i++) {
            assertEquals(Float.floatToRawIntBits(Exp.exp(x[i])), Float.floatToRawIntBits(out[i]),
                    species + " at x = " + x[i]);
        }
    }

    static float[] inputs() {
        SplittableRandom random = new SplittableRandom(11);
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
            Exp.LOW, Math.nextDown(Exp.LOW), Math.nextUp(Exp.LOW), Exp.HIGH, Math.nextUp(Exp.HIGH),
            Math.nextDown(Exp.HIGH), -1000f, 1000f, Float.MIN_VALUE, -Float.MIN_VALUE, 0.34657359f, -0.34657359f};
        float[] x = new float[64 * 1024];
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 240 - 120);
        }
        return x;
    }

    private static long ulps(float a, float b) {
        return a == b ? 0 : Math.abs((long) Float.floatToRawIntBits(a) - Float.floatToRawIntBits(b));
    }
}
