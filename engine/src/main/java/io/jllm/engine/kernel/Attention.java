package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one token over its sequence's cached keys and values, for the
 * query heads that share one KV head. Softmax as ggml's soft_max: scores scaled, max subtracted,
 * exponentials summed in double, then multiplied by the float reciprocal of the sum.
 *
 * <h2>Canonical order</h2>
 * A score is the {@link Simd#tree16} of 16 lanes, lane {@code l} an {@code fma} chain over the
 * elements {@code i = l mod 16} of {@code q·k}, times the scale; each output element is an
 * {@code fma} chain over positions in order, {@code out = fma(p_j, v_j, out)}. The reference and
 * the SIMD code both follow it and agree to the bit; head sizes that are not a multiple of 16 take
 * the reference.
 */
public final class Attention {
    private static final VectorShuffle<Float> HALVES = VectorShuffle.iota(Simd.F512, 8, 1, true);

    private Attention() {
    }

    /**
     * Scalar reference. Writes {@code out[outOff + h*headDim ..]} for query heads
     * {@code kvHead*group .. (kvHead+1)*group - 1}, attending to positions {@code 0..pos}.
     *
     * @param q       queries of this token, all heads, at {@code qOff}
     * @param scores  scratch of at least {@code pos + 1} floats
     */
    public static void reference(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group,
            int headDim, float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int kvDim = cache.kvDim();
        float[] lanes = new float[16];
        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                long base = seq.slot(j) * kvDim + (long) kvHead * headDim;
                java.util.Arrays.fill(lanes, 0f);
                for (int i = 0; i < headDim; i++) {
                    lanes[i % 16] = Math.fma(q[qh + i], cache.read(keys, base + i), lanes[i % 16]);
                }
                float s = Simd.tree16(lanes, 0) * scale;
                scores[j] = s;
                max = Math.max(max, s);
            }
            float inv = softmaxInPlace(scores, 0, pos, max);
            int oh = outOff + h * headDim;
            for (int i = 0; i < headDim; i++) {
                out[oh + i] = 0f;
            }
            for (int j = 0; j <= pos; j++) {
                float p = scores[j] * inv;
                long base = seq.slot(j) * kvDim + (long) kvHead * headDim;
                for (int i = 0; i < headDim; i++) {
                    out[oh + i] = Math.fma(p, cache.read(values, base + i), out[oh + i]);
                }
            }
        }
    }

    /** Replaces scores off..off+pos by exp(s - max) and returns the float reciprocal of their double sum. */
    private static float softmaxInPlace(float[] scores, int off, int pos, float max) {
        double sum = 0;
        for (int j = off; j <= off + pos; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        return (float) (1.0 / sum);
    }

    /**
     * The SIMD implementation of {@link #reference}: same arguments, same bits. Each output vector
     * of a head stays in a register while it walks the positions (the canonical fma chain over
     * positions), and a score's 16 lanes are summed lane-wise by the canonical tree.
     */
    public static void simd(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group,
            int headDim, float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        if (headDim % 16 != 0) {
            reference(cache, layer, seq, pos, kvHead, group, headDim, scale, q, qOff, out, outOff, scores);
            return;
        }
        boolean half = cache.type() == KvType.F16;
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int kvDim = cache.kvDim();
        long headOff = (long) kvHead * headDim;
        int bs = cache.blockSize();
        int n = pos + 1;
        int h = kvHead * group;
        int last = (kvHead + 1) * group;
        // two query heads at a time where the scratch allows: each key and value is read and
        // converted once for both
        for (; h + 1 < last && scores.length >= 2 * n; h += 2) {
            int qa = qOff + h * headDim;
            int qb = qa + headDim;
            float maxA = Float.NEGATIVE_INFINITY;
            float maxB = Float.NEGATIVE_INFINITY;
            for (int j0 = 0; j0 <= pos; j0 += bs) {
                long slot0 = (long) seq.block(j0 / bs) * bs;
                for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                    long base = (slot0 + j - j0) * kvDim + headOff;
                    if (Simd.WIDE) {
                        dots512(keys, base, half, q, qa, qb, headDim, scale, scores, j, n);
                    } else {
                        dots256(keys, base, half, q, qa, qb, headDim, scale, scores, j, n);
                    }
                    maxA = Math.max(maxA, scores[j]);
                    maxB = Math.max(maxB, scores[n + j]);
                }
            }
            float invA = softmaxInPlace(scores, 0, pos, maxA);
            float invB = softmaxInPlace(scores, n, pos, maxB);
            for (int j = 0; j < n; j++) {
                scores[j] *= invA;
                scores[n + j] *= invB;
            }
            int oa = outOff + h * headDim;
            for (int i = 0; i < headDim; i += Simd.WIDE ? 16 : 8) {
                if (Simd.WIDE) {
                    accumulate512(values, seq, bs, kvDim, headOff + i, half, scores, n, pos, out, oa + i,
                            oa + headDim + i);
                } else {
                    accumulate256(values, seq, bs, kvDim, headOff + i, half, scores, n, pos, out, oa + i,
                            oa + headDim + i);
                }
            }
        }
        for (; h < last; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j0 = 0; j0 <= pos; j0 += bs) {
                long slot0 = (long) seq.block(j0 / bs) * bs;
                for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                    long base = (slot0 + j - j0) * kvDim + headOff;
                    // the pair kernel on (h, h): the second result is the same and goes nowhere
                    if (Simd.WIDE) {
                        dots512(keys, base, half, q, qh, qh, headDim, scale, scores, j, 0);
                    } else {
                        dots256(keys, base, half, q, qh, qh, headDim, scale, scores, j, 0);
                    }
                    max = Math.max(max, scores[j]);
                }
            }
            float inv = softmaxInPlace(scores, 0, pos, max);
            for (int j = 0; j < n; j++) {
                scores[j] *= inv;
            }
            int oh = outOff + h * headDim;
            for (int i = 0; i < headDim; i += Simd.WIDE ? 16 : 8) {
                if (Simd.WIDE) {
                    accumulate512(values, seq, bs, kvDim, headOff + i, half, scores, 0, pos, out, oh + i, oh + i);
                } else {
                    accumulate256(values, seq, bs, kvDim, headOff + i, half, scores, 0, pos, out, oh + i, oh + i);
                }
            }
        }
    }

    /**
     * Scores of position j for two query heads (at {@code qa}, {@code qb}) against one key:
     * {@code scores[j]} and {@code scores[second + j]}, each the canonical 16-lane sum times scale.
     */
    private static void dots512(MemorySegment keys, long base, boolean half, float[] q, int qa, int qb, int headDim,
            float scale, float[] scores, int j, int second) {
        VectorSpecies<Float> f = Simd.F512;
        FloatVector accA = FloatVector.zero(f);
        FloatVector accB = accA;
        for (int i = 0; i < headDim; i += 16) {
            FloatVector k;
            if (half) {
                k = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, keys, 2 * (base + i), Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I512, 0));
            } else {
                k = FloatVector.fromMemorySegment(f, keys, 4 * (base + i), Simd.LE);
            }
            accA = FloatVector.fromArray(f, q, qa + i).fma(k, accA);
            accB = FloatVector.fromArray(f, q, qb + i).fma(k, accB);
        }
        // both trees at once: head A folded into lanes 0-7, head B into 8-15
        FloatVector t = accA.add(accA.rearrange(HALVES)).blend(accB.add(accB.rearrange(HALVES)), Simd.UPPER8);
        t = t.add(t.rearrange(Simd.XOR4));
        t = t.add(t.rearrange(Simd.XOR2));
        t = t.add(t.rearrange(Simd.XOR1));
        scores[j] = t.lane(0) * scale;
        scores[second + j] = t.lane(8) * scale;
    }

    private static void dots256(MemorySegment keys, long base, boolean half, float[] q, int qa, int qb, int headDim,
            float scale, float[] scores, int j, int second) {
        VectorSpecies<Float> f = Simd.F256;
        FloatVector accEA = FloatVector.zero(f);
        FloatVector accOA = accEA;
        FloatVector accEB = accEA;
        FloatVector accOB = accEA;
        for (int i = 0; i < headDim; i += 8) {
            FloatVector k;
            if (half) {
                k = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, keys, 2 * (base + i), Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I256, 0));
            } else {
                k = FloatVector.fromMemorySegment(f, keys, 4 * (base + i), Simd.LE);
            }
            if ((i & 8) == 0) {
                accEA = FloatVector.fromArray(f, q, qa + i).fma(k, accEA);
                accEB = FloatVector.fromArray(f, q, qb + i).fma(k, accEB);
            } else {
                accOA = FloatVector.fromArray(f, q, qa + i).fma(k, accOA);
                accOB = FloatVector.fromArray(f, q, qb + i).fma(k, accOB);
            }
        }
        FloatVector t = accEA.add(accOA);
        t = t.add(t.rearrange(Simd.XOR4_256));
        t = t.add(t.rearrange(Simd.XOR2_256));
        scores[j] = t.add(t.rearrange(Simd.XOR1_256)).lane(0) * scale;
        t = accEB.add(accOB);
        t = t.add(t.rearrange(Simd.XOR4_256));
        t = t.add(t.rearrange(Simd.XOR2_256));
        scores[second + j] = t.add(t.rearrange(Simd.XOR1_256)).lane(0) * scale;
    }



    /** {@code out[o..o+16) = sum over positions of p_j * v_j[off..off+16)} as fma chains in position order. */
    private static void accumulate512(MemorySegment values, KvSequence seq, int bs, int kvDim, long off,
            boolean half, float[] p, int second, int pos, float[] out, int oa, int ob) {
        FloatVector accA = FloatVector.zero(Simd.F512);
        FloatVector accB = accA;
        for (int j0 = 0; j0 <= pos; j0 += bs) {
            long slot0 = (long) seq.block(j0 / bs) * bs;
            for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                long at = (slot0 + j - j0) * kvDim + off;
                FloatVector v;
                if (half) {
                    v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, values, 2 * at, Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I512, 0));
                } else {
                    v = FloatVector.fromMemorySegment(Simd.F512, values, 4 * at, Simd.LE);
                }
                accA = FloatVector.broadcast(Simd.F512, p[j]).fma(v, accA);
                accB = FloatVector.broadcast(Simd.F512, p[second + j]).fma(v, accB);
            }
        }
        accB.intoArray(out, ob);
        accA.intoArray(out, oa);
    }

    private static void accumulate256(MemorySegment values, KvSequence seq, int bs, int kvDim, long off,
            boolean half, float[] p, int second, int pos, float[] out, int oa, int ob) {
        FloatVector accA = FloatVector.zero(Simd.F256);
        FloatVector accB = accA;
        for (int j0 = 0; j0 <= pos; j0 += bs) {
            long slot0 = (long) seq.block(j0 / bs) * bs;
            for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                long at = (slot0 + j - j0) * kvDim + off;
                FloatVector v;
                if (half) {
                    v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, values, 2 * at, Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I256, 0));
                } else {
                    v = FloatVector.fromMemorySegment(Simd.F256, values, 4 * at, Simd.LE);
                }
                accA = FloatVector.broadcast(Simd.F256, p[j]).fma(v, accA);
                accB = FloatVector.broadcast(Simd.F256, p[second + j]).fma(v, accB);
            }
        }
        accB.intoArray(out, ob);
        accA.intoArray(out, oa);
    }
}
