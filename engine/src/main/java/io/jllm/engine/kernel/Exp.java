package io.jllm.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code exp} in float, as a fixed sequence of IEEE operations, so that the scalar reference
 * ({@link #exp(float)}) and the vector form ({@link #exp(FloatVector)}, any width) give the same
 * bits: softmax and SwiGLU called {@code Math.exp} per element (about 15 ns, scalar), which was
 * half of prefill attention and most of SwiGLU. ggml's CPU softmax and SiLU use a vector
 * approximation of their own ({@code ggml_v_expf}) for the same reason.
 *
 * <p>The method is Cody-Waite range reduction, {@code x = n*ln2 + r} with {@code |r| <= ln2/2},
 * and Cephes' degree-5 polynomial for {@code e^r} (coefficients from Cephes {@code expf.c}),
 * evaluated with {@code fma}, then scaled by {@code 2^n} built in the exponent bits. Within 2 ulp
 * of the correctly rounded result for {@code x} in {@code [-87.33, 88.37]} (ExpTest measures it).
 * Below that range the result is 0 (the true value is under 2^-126: a subnormal that no softmax or
 * SiLU sum notices), above it +Infinity (the true value is within a factor 1.42 of
 * {@code Float.MAX_VALUE}); NaN stays NaN.
 */
public final class Exp {
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two: {@code n*LN2_HI} is exact for the n that occur (9 + 8 bits). */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer (to even) and leaves that integer in the low bits. */
    private static final float ROUND = 12582912f;
    private static final float C0 = 1.9875691500e-4f;
    private static final float C1 = 1.3981999507e-3f;
    private static final float C2 = 8.3334519073e-3f;
    private static final float C3 = 4.1665795894e-2f;
    private static final float C4 = 1.6666665459e-1f;
    private static final float C5 = 5.0000001201e-1f;
    /** ln(2^-126): from here down 2^n would leave the normal range. */
    static final float LOW = -87.33654475f;
    /** ln(2^127.5): from here up n would be 128, whose 2^n is not a float. */
    static final float HIGH = 88.3762626647949f;

    private Exp() {
    }

    /** The scalar reference. */
    public static float exp(float x) {
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(C0, r, C1);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C5);
        float y = Math.fma(p, r * r, r) + 1f;
        // t's low bits hold n (two's complement); shifted into the exponent field, plus the bias
        float e = y * Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) + (127 << 23));
        if (x < LOW) {
            e = 0f;
        }
        if (x > HIGH) {
            e = Float.POSITIVE_INFINITY;
        }
        return e;
    }

    /** {@link #exp(float)} lane-wise, same bits; small enough that C2 inlines it into its callers. */
    public static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(C0, C1);
        // fma(C0, r, C1) is r*C0 + C1 in either order: a product is commutative to the bit
        p = p.fma(r, x.broadcast(C2));
        p = p.fma(r, x.broadcast(C3));
        p = p.fma(r, x.broadcast(C4));
        p = p.fma(r, x.broadcast(C5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23)
                .reinterpretAsFloats();
        return y.mul(scale)
                .blend(0f, x.compare(VectorOperators.LT, LOW))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HIGH));
    }
}
