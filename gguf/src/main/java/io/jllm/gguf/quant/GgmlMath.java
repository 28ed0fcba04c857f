package io.jllm.gguf.quant;

/**
 * The scalar helpers ggml's reference quantizers share (ggml/src/ggml-quants.c), reproduced bit for bit,
 * including what they do outside their intended range, so our bytes equal ggml's even for degenerate input
 * (NaN, infinities) rather than merely being close.
 */
final class GgmlMath {
    /** 1.5 * 2^23: adding it leaves the rounded integer in the low mantissa bits. */
    private static final float MAGIC = 12582912f;

    private GgmlMath() {
    }

    /**
     * ggml's {@code nearest_int}: the float addition rounds half to even, and the integer is read back
     * from the mantissa. Exact for |x| < 2^22; beyond that (and for NaN) it yields the same
     * meaningless value ggml's release build does, which the callers then clamp as ggml does.
     */
    static int nearestInt(float x) {
        return (Float.floatToRawIntBits(x + MAGIC) & 0x007fffff) - 0x00400000;
    }

    /** C's {@code roundf}: halves round away from zero. Exact: |x| + 0.5 is exact in double for any float. */
    static float roundHalfAway(float x) {
        return (float) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }

    /**
     * C's float-to-int conversion as compiled for x86-64 ({@code cvttss2si}): truncation toward zero,
     * and the "integer indefinite" value {@code Integer.MIN_VALUE} for NaN and out-of-range input where
     * Java would saturate. ggml converts to {@code int8_t} by keeping the low byte of this.
     */
    static int truncate(float x) {
        return x >= -2147483648f && x < 2147483648f ? (int) x : Integer.MIN_VALUE;
    }

    /**
     * The first of {@code x[from..from+n)} with the largest magnitude, signed, or 0 if all are zero: ggml's
     * {@code if (fabsf(v) > amax) { amax = fabsf(v); max = v; }} scan, which never picks a NaN.
     */
    static float largestMagnitude(float[] x, int from, int n) {
        float max = 0f;
        float amax = 0f;
        for (int i = from; i < from + n; i++) {
            float ax = Math.abs(x[i]);
            if (ax > amax) {
                amax = ax;
                max = x[i];
            }
        }
        return max;
    }
}
