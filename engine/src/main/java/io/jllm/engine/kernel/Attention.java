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
            float inv = softmaxInPlace(scores, pos, max);
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

    /** Replaces scores 0..pos by exp(s - max) and returns the float reciprocal of their double sum. */
    private static float softmaxInPlace(float[] scores, int pos, float max) {
        double sum = 0;
        for (int j = 0; j <= pos; j++) {
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
        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                long base = seq.slot(j) * kvDim + headOff;
                float dot = Simd.WIDE ? dot512(keys, base, half, q, qh, headDim) : dot256(keys, base, half, q, qh, headDim);
                float s = dot * scale;
                scores[j] = s;
                max = Math.max(max, s);
            }
            float inv = softmaxInPlace(scores, pos, max);
            for (int j = 0; j <= pos; j++) {
                scores[j] *= inv;
            }
            int oh = outOff + h * headDim;
            for (int i = 0; i < headDim; i += Simd.WIDE ? 16 : 8) {
                if (Simd.WIDE) {
                    accumulate512(values, seq, kvDim, headOff + i, half, scores, pos, out, oh + i);
                } else {
                    accumulate256(values, seq, kvDim, headOff + i, half, scores, pos, out, oh + i);
                }
            }
        }
    }

    private static float dot512(MemorySegment keys, long base, boolean half, float[] q, int qh, int headDim) {
        VectorSpecies<Float> f = Simd.F512;
        FloatVector acc = FloatVector.zero(f);
        for (int i = 0; i < headDim; i += 16) {
            FloatVector k;
            if (half) {
                k = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, keys, 2 * (base + i), Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I512, 0));
            } else {
                k = FloatVector.fromMemorySegment(f, keys, 4 * (base + i), Simd.LE);
            }
            acc = FloatVector.fromArray(f, q, qh + i).fma(k, acc);
        }
        FloatVector h = acc.add(acc.rearrange(HALVES));
        h = h.add(h.rearrange(Simd.XOR4));
        h = h.add(h.rearrange(Simd.XOR2));
        return h.add(h.rearrange(Simd.XOR1)).lane(0);
    }

    private static float dot256(MemorySegment keys, long base, boolean half, float[] q, int qh, int headDim) {
        VectorSpecies<Float> f = Simd.F256;
        FloatVector accE = FloatVector.zero(f);
        FloatVector accO = accE;
        for (int i = 0; i < headDim; i += 8) {
            FloatVector k;
            if (half) {
                k = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, keys, 2 * (base + i), Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I256, 0));
            } else {
                k = FloatVector.fromMemorySegment(f, keys, 4 * (base + i), Simd.LE);
            }
            FloatVector qv = FloatVector.fromArray(f, q, qh + i);
            if ((i & 8) == 0) {
                accE = qv.fma(k, accE);
            } else {
                accO = qv.fma(k, accO);
            }
        }
        FloatVector h = accE.add(accO);
        h = h.add(h.rearrange(Simd.XOR4_256));
        h = h.add(h.rearrange(Simd.XOR2_256));
        return h.add(h.rearrange(Simd.XOR1_256)).lane(0);
    }

    /** {@code out[o..o+16) = sum over positions of p_j * v_j[off..off+16)} as fma chains in position order. */
    private static void accumulate512(MemorySegment values, KvSequence seq, int kvDim, long off, boolean half,
            float[] p, int pos, float[] out, int o) {
        FloatVector acc = FloatVector.zero(Simd.F512);
        for (int j = 0; j <= pos; j++) {
            long at = seq.slot(j) * kvDim + off;
            FloatVector v;
            if (half) {
                v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, values, 2 * at, Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I512, 0));
            } else {
                v = FloatVector.fromMemorySegment(Simd.F512, values, 4 * at, Simd.LE);
            }
            acc = FloatVector.broadcast(Simd.F512, p[j]).fma(v, acc);
        }
        acc.intoArray(out, o);
    }

    private static void accumulate256(MemorySegment values, KvSequence seq, int kvDim, long off, boolean half,
            float[] p, int pos, float[] out, int o) {
        FloatVector acc = FloatVector.zero(Simd.F256);
        for (int j = 0; j <= pos; j++) {
            long at = seq.slot(j) * kvDim + off;
            FloatVector v;
            if (half) {
                v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, values, 2 * at, Simd.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I256, 0));
            } else {
                v = FloatVector.fromMemorySegment(Simd.F256, values, 4 * at, Simd.LE);
            }
            acc = FloatVector.broadcast(Simd.F256, p[j]).fma(v, acc);
        }
        acc.intoArray(out, o);
    }
}
