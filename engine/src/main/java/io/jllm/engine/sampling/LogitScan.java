package io.jllm.engine.sampling;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whole-vocabulary passes over a logits row with the Vector API: the sampler's cost per token is dominated by
 * touching all ~152k logits, which these keep to tens of microseconds.
 *
 * <p>Sums of probabilities are taken in float lanes within blocks of {@link #BLOCK} values and in double across
 * blocks, so they are accurate to about 1e-7 relative: llama.cpp sums in float throughout.
 */
final class LogitScan {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Values per block sum; a multiple of every vector length. */
    static final int BLOCK = 512;

    private LogitScan() {
    }

    static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /** The largest value of {@code a[off .. off+n)}; NaN if any value is NaN (lanewise MAX propagates it). */
    static float max(float[] a, int off, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        int bound = F.loopBound(n);
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += F.length()) {
                acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(F, a, off + i));
            }
            max = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        return max;
    }

    /**
     * The first {@code i} in {@code [from, n)} with {@code a[off + i] >= threshold}, or {@code n} if none.
     * ({@code > t} is {@code >= Math.nextUp(t)}.)
     */
    static int nextAtLeast(float[] a, int off, int from, int n, float threshold) {
        int i = from;
        int bound = from + F.loopBound(n - from);
        for (; i < bound; i += F.length()) {
            VectorMask<Float> m = FloatVector.fromArray(F, a, off + i).compare(VectorOperators.GE, threshold);
            if (m.anyTrue()) {
                return i + m.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (a[off + i] >= threshold) {
                return i;
            }
        }
        return n;
    }

    /**
     * Writes {@code out[i] = exp((a[off + i] - shift) * scale)} for {@code i} in {@code [0, n)}, the sum of each
     * block into {@code blockSums}, and returns the total.
     */
    static double expInto(float[] a, int off, int n, float shift, float scale, float[] out, double[] blockSums) {
        double total = 0;
        for (int b = 0, start = 0; start < n; b++, start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            int i = start;
            float sum = 0f;
            int bound = start + F.loopBound(end - start);
            if (bound > start) {
                FloatVector acc = FloatVector.zero(F);
                for (; i < bound; i += F.length()) {
                    FloatVector e = FloatVector.fromArray(F, a, off + i).sub(shift).mul(scale)
                            .lanewise(VectorOperators.EXP);
                    e.intoArray(out, i);
                    acc = acc.add(e);
                }
                sum = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < end; i++) {
                float e = (float) Math.exp((a[off + i] - shift) * scale);
                out[i] = e;
                sum += e;
            }
            blockSums[b] = sum;
            total += sum;
        }
        return total;
    }

    /** The sum of {@code e[i]} over the {@code i} in {@code [0, n)} with {@code a[off + i] >= threshold}. */
    static double massAtLeast(float[] a, int off, int n, float threshold, float[] e) {
        double total = 0;
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            int i = start;
            float sum = 0f;
            int bound = start + F.loopBound(end - start);
            if (bound > start) {
                FloatVector acc = FloatVector.zero(F);
                for (; i < bound; i += F.length()) {
                    VectorMask<Float> m = FloatVector.fromArray(F, a, off + i)
                            .compare(VectorOperators.GE, threshold);
                    acc = acc.add(FloatVector.fromArray(F, e, i), m);
                }
                sum = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < end; i++) {
                if (a[off + i] >= threshold) {
                    sum += e[i];
                }
            }
            total += sum;
        }
        return total;
    }

    /**
     * The index where the running sum of {@code w[0..n)} first reaches {@code target}, found block by block
     * through {@code blockSums} (as written by {@link #expInto}). Zero weights are never chosen.
     */
    static int pick(float[] w, int n, double[] blockSums, double target) {
        int blockCount = blocks(n);
        double before = 0;
        int b = 0;
        while (b < blockCount - 1 && (blockSums[b] == 0 || before + blockSums[b] < target)) {
            before += blockSums[b];
            b++;
        }
        // Walk the block; float rounding may leave the walk a hair short of the block sum, so fall back to the
        // block's last nonzero weight (or, failing that, any earlier one).
        int last = -1;
        double cumulative = before;
        for (int i = b * BLOCK, end = Math.min(n, i + BLOCK); i < end; i++) {
            if (w[i] > 0f) {
                cumulative += w[i];
                last = i;
                if (cumulative >= target) {
                    return i;
                }
            }
        }
        for (int i = b * BLOCK - 1; last < 0 && i >= 0; i--) {
            if (w[i] > 0f) {
                last = i;
            }
        }
        return last;
    }
}
