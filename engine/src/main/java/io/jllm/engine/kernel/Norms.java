package io.jllm.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm as ggml computes it (ggml-cpu/ops.cpp rms_norm fused with the weight multiply): the sum
 * of squares accumulates in double, {@code scale = 1/sqrtf(mean + eps)} in float, and
 * {@code y = (x * scale) * w}.
 *
 * <p>{@link #rmsNorm} is the reference, one row at a time. {@link #rmsNormRows} gives the same bits
 * for several rows: each row keeps its own sequential double sum (so its bits do not change), but
 * four rows' sums run side by side, and the scaling is done with vectors (two roundings per
 * element, as in the reference). One row's sum is a chain of dependent double adds, four cycles
 * each; in a 512-token prefill the norms (two per layer over 1,024 values, and 24 per token over
 * the 128-value Q/K heads) took 3-4 % of the pass that way.
 */
public final class Norms {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Float> FS = Simd.WIDE ? Simd.F512 : Simd.F256;

    private Norms() {
    }

    /** Normalizes {@code n} values of {@code x} into {@code out} with weights {@code w} (F32, n values). */
    public static void rmsNorm(float[] x, int xOff, float[] out, int outOff, int n, MemorySegment w, float eps) {
        float scale = scale(sumOfSquares(x, xOff, n), n, eps);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * w.getAtIndex(F32, i);
        }
    }

    /**
     * {@link #rmsNorm} of {@code rows} rows of {@code n} values, row {@code r} at {@code xOff + r*stride}
     * into {@code outOff + r*stride} (in place where {@code out == x} and the offsets match); the
     * same bits as calling it per row.
     */
    public static void rmsNormRows(float[] x, int xOff, float[] out, int outOff, int stride, int rows, int n,
            MemorySegment w, float eps) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int a = xOff + r * stride;
            int b = a + stride;
            int c = b + stride;
            int d = c + stride;
            double sa = 0;
            double sb = 0;
            double sc = 0;
            double sd = 0;
            for (int i = 0; i < n; i++) {
                float va = x[a + i];
                float vb = x[b + i];
                float vc = x[c + i];
                float vd = x[d + i];
                sa += va * va;
                sb += vb * vb;
                sc += vc * vc;
                sd += vd * vd;
            }
            scaleRow(x, a, out, outOff + r * stride, n, w, scale(sa, n, eps));
            scaleRow(x, b, out, outOff + (r + 1) * stride, n, w, scale(sb, n, eps));
            scaleRow(x, c, out, outOff + (r + 2) * stride, n, w, scale(sc, n, eps));
            scaleRow(x, d, out, outOff + (r + 3) * stride, n, w, scale(sd, n, eps));
        }
        for (; r < rows; r++) {
            int a = xOff + r * stride;
            scaleRow(x, a, out, outOff + r * stride, n, w, scale(sumOfSquares(x, a, n), n, eps));
        }
    }

    /** ggml's sum: float squares added in order into a double. */
    private static double sumOfSquares(float[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    private static float scale(double sum, int n, float eps) {
        float mean = (float) (sum / n);
        return 1.0f / (float) Math.sqrt(mean + eps);
    }

    private static void scaleRow(float[] x, int xOff, float[] out, int outOff, int n, MemorySegment w, float scale) {
        int i = 0;
        if (Simd.BITS > 0) {
            int vl = FS.length();
            for (; i + vl <= n; i += vl) {
                FloatVector.fromArray(FS, x, xOff + i).mul(scale)
                        .mul(FloatVector.fromMemorySegment(FS, w, (long) i * Float.BYTES, ByteOrder.LITTLE_ENDIAN))
                        .intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * w.getAtIndex(F32, i);
        }
    }
}
