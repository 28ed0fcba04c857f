package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one token over its sequence's cached keys and values, for the
 * query heads that share one KV head. Softmax as ggml's soft_max: scores scaled, max subtracted,
 * exponentials ({@link Exp}) summed in double in position order, then multiplied by the float
 * reciprocal of the sum.
 *
 * <h2>Canonical order</h2>
 * A score is the {@link Simd#tree16} of 16 lanes, lane {@code l} an {@code fma} chain over the
 * elements {@code i = l mod 16} of {@code q·k}, times the scale; each output element is an
 * {@code fma} chain over positions in order, {@code out = fma(p_j, v_j, out)}. The reference and
 * the SIMD code both follow it and agree to the bit; head sizes that are not a multiple of 16 take
 * the reference.
 */
public final class Attention {

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
            float e = Exp.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        return (float) (1.0 / sum);
    }

    /**
     * {@link #softmaxInPlace} with the exponentials a vector at a time (same bits: {@link Exp}),
     * the sum still in double and in position order.
     */
    private static float softmaxSimd(float[] scores, int off, int pos, float max) {
        int end = off + pos + 1;
        int j = off;
        if (Simd.WIDE) {
            for (; j + 16 <= end; j += 16) {
                Exp.exp(FloatVector.fromArray(Simd.F512, scores, j).sub(max)).intoArray(scores, j);
            }
        } else {
            for (; j + 8 <= end; j += 8) {
                Exp.exp(FloatVector.fromArray(Simd.F256, scores, j).sub(max)).intoArray(scores, j);
            }
        }
        for (; j < end; j++) {
            scores[j] = Exp.exp(scores[j] - max);
        }
        double sum = 0;
        for (j = off; j < end; j++) {
            sum += scores[j];
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
            float invA = softmaxSimd(scores, 0, pos, maxA);
            float invB = softmaxSimd(scores, n, pos, maxB);
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
            float inv = softmaxSimd(scores, 0, pos, max);
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

    /** The most queries (tokens x query heads of one KV head) one tiled pass attends for. */
    public static final int TILE_QUERIES = 16;

    /** Tokens per tiled pass for {@code group} query heads per KV head. */
    public static int tileTokens(int group) {
        return Math.max(1, TILE_QUERIES / group);
    }

    /**
     * Scratch floats {@link #simdTile} needs for {@code tokens} tokens whose last position is
     * {@code lastPos}: a score row per query, then one converted key.
     */
    public static int tileScratch(int tokens, int group, int lastPos, int headDim) {
        return tokens * group * (lastPos + 1) + headDim;
    }

    /**
     * {@link #simd} for {@code tokens} consecutive tokens of one sequence (a prefill chunk) at
     * positions {@code pos0 ..}, token {@code t}'s queries at {@code qOff + t*qStride} and its
     * outputs at {@code outOff + t*outStride}: the same bits as one call per token, but each key and
     * value is read and converted once for every query of the tile instead of once per token.
     * Prefill attention was a fifth of a 512-token pass, most of it converting F16 keys and values.
     * {@code scores} holds at least {@link #tileScratch} floats.
     */
    public static void simdTile(PagedKvCache cache, int layer, KvSequence seq, int pos0, int tokens, int kvHead,
            int group, int headDim, float scale, float[] q, int qOff, int qStride, float[] out, int outOff,
            int outStride, float[] scores) {
        int nq = tokens * group;
        int span = pos0 + tokens;
        if (tokens == 1 || !Simd.WIDE || headDim % 16 != 0 || nq > TILE_QUERIES
                || scores.length < tileScratch(tokens, group, pos0 + tokens - 1, headDim)) {
            for (int t = 0; t < tokens; t++) {
                simd(cache, layer, seq, pos0 + t, kvHead, group, headDim, scale, q, qOff + t * qStride, out,
                        outOff + t * outStride, scores);
            }
            return;
        }
        boolean half = cache.type() == KvType.F16;
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int kvDim = cache.kvDim();
        long headOff = (long) kvHead * headDim;
        int bs = cache.blockSize();
        int kOff = nq * span;
        int firstHead = kvHead * group;
        // scores of every query against every position up to the tile's last; a query's positions
        // past its own are computed (their keys are stored) and never used
        for (int j0 = 0; j0 < span; j0 += bs) {
            long slot0 = (long) seq.block(j0 / bs) * bs;
            for (int j = j0, end = Math.min(span - 1, j0 + bs - 1); j <= end; j++) {
                long base = (slot0 + j - j0) * kvDim + headOff;
                for (int i = 0; i < headDim; i += 16) {
                    load512(keys, base + i, half).intoArray(scores, kOff + i);
                }
                for (int a = 0; a < nq; a += 2) {
                    int b = Math.min(a + 1, nq - 1);
                    int qa = qOff + (a / group) * qStride + (firstHead + a % group) * headDim;
                    int qb = qOff + (b / group) * qStride + (firstHead + b % group) * headDim;
                    pairScores(scores, kOff, q, qa, qb, headDim, scale, scores, a * span + j, b * span + j);
                }
            }
        }
        for (int a = 0; a < nq; a++) {
            int off = a * span;
            int pos = pos0 + a / group;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                max = Math.max(max, scores[off + j]);
            }
            float inv = softmaxSimd(scores, off, pos, max);
            for (int j = 0; j <= pos; j++) {
                scores[off + j] *= inv;
            }
        }
        for (int a = 0; a < nq; a += 8) {
            for (int i = 0; i < headDim; i += 16) {
                accumulate8(values, seq, bs, kvDim, headOff + i, half, scores, span, pos0, group, a, nq, out,
                        outOff + i, outStride, firstHead, headDim);
            }
        }
    }

    private static FloatVector load512(MemorySegment kv, long at, boolean half) {
        if (half) {
            return Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, kv, 2 * at, Simd.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, Simd.I512, 0));
        }
        return FloatVector.fromMemorySegment(Simd.F512, kv, 4 * at, Simd.LE);
    }

    /** {@link #dots512} with the key already converted, at {@code k[kOff ..]}. */
    private static void pairScores(float[] k, int kOff, float[] q, int qa, int qb, int headDim, float scale,
            float[] scores, int sa, int sb) {
        VectorSpecies<Float> f = Simd.F512;
        FloatVector accA = FloatVector.zero(f);
        FloatVector accB = accA;
        for (int i = 0; i < headDim; i += 16) {
            FloatVector kv = FloatVector.fromArray(f, k, kOff + i);
            accA = FloatVector.fromArray(f, q, qa + i).fma(kv, accA);
            accB = FloatVector.fromArray(f, q, qb + i).fma(kv, accB);
        }
        FloatVector t = accA.add(accA.rearrange(Simd.HALVES)).blend(accB.add(accB.rearrange(Simd.HALVES)), Simd.UPPER8);
        t = t.add(t.rearrange(Simd.XOR4));
        t = t.add(t.rearrange(Simd.XOR2));
        t = t.add(t.rearrange(Simd.XOR1));
        scores[sa] = t.lane(0) * scale;
        scores[sb] = t.lane(8) * scale;
    }

    /**
     * 16 output elements of queries {@code a0 .. a0+7} of a tile (missing ones repeat the last),
     * each the canonical fma chain over its own positions: a value slice is converted once for all
     * eight. Positions up to the first query's are everyone's; past it each query stops at its own.
     */
    private static void accumulate8(MemorySegment values, KvSequence seq, int bs, int kvDim, long off, boolean half,
            float[] p, int span, int pos0, int group, int a0, int nq, float[] out, int outOff, int outStride,
            int firstHead, int headDim) {
        int last = nq - 1;
        int a1 = Math.min(a0 + 1, last);
        int a2 = Math.min(a0 + 2, last);
        int a3 = Math.min(a0 + 3, last);
        int a4 = Math.min(a0 + 4, last);
        int a5 = Math.min(a0 + 5, last);
        int a6 = Math.min(a0 + 6, last);
        int a7 = Math.min(a0 + 7, last);
        int p0 = pos0 + a0 / group;
        int p1 = pos0 + a1 / group;
        int p2 = pos0 + a2 / group;
        int p3 = pos0 + a3 / group;
        int p4 = pos0 + a4 / group;
        int p5 = pos0 + a5 / group;
        int p6 = pos0 + a6 / group;
        int p7 = pos0 + a7 / group;
        FloatVector c0 = FloatVector.zero(Simd.F512);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int j0 = 0; j0 <= p7; j0 += bs) {
            long slot0 = (long) seq.block(j0 / bs) * bs;
            for (int j = j0, end = Math.min(p7, j0 + bs - 1); j <= end; j++) {
                FloatVector v = load512(values, (slot0 + j - j0) * kvDim + off, half);
                if (j <= p0) {
                    c0 = FloatVector.broadcast(Simd.F512, p[a0 * span + j]).fma(v, c0);
                }
                if (j <= p1) {
                    c1 = FloatVector.broadcast(Simd.F512, p[a1 * span + j]).fma(v, c1);
                }
                if (j <= p2) {
                    c2 = FloatVector.broadcast(Simd.F512, p[a2 * span + j]).fma(v, c2);
                }
                if (j <= p3) {
                    c3 = FloatVector.broadcast(Simd.F512, p[a3 * span + j]).fma(v, c3);
                }
                if (j <= p4) {
                    c4 = FloatVector.broadcast(Simd.F512, p[a4 * span + j]).fma(v, c4);
                }
                if (j <= p5) {
                    c5 = FloatVector.broadcast(Simd.F512, p[a5 * span + j]).fma(v, c5);
                }
                if (j <= p6) {
                    c6 = FloatVector.broadcast(Simd.F512, p[a6 * span + j]).fma(v, c6);
                }
                c7 = FloatVector.broadcast(Simd.F512, p[a7 * span + j]).fma(v, c7);
            }
        }
        // the repeated last query is stored more than once, with the same bits
        c7.intoArray(out, outOff + (a7 / group) * outStride + (firstHead + a7 % group) * headDim);
        c6.intoArray(out, outOff + (a6 / group) * outStride + (firstHead + a6 % group) * headDim);
        c5.intoArray(out, outOff + (a5 / group) * outStride + (firstHead + a5 % group) * headDim);
        c4.intoArray(out, outOff + (a4 / group) * outStride + (firstHead + a4 % group) * headDim);
        c3.intoArray(out, outOff + (a3 / group) * outStride + (firstHead + a3 % group) * headDim);
        c2.intoArray(out, outOff + (a2 / group) * outStride + (firstHead + a2 % group) * headDim);
        c1.intoArray(out, outOff + (a1 / group) * outStride + (firstHead + a1 % group) * headDim);
        c0.intoArray(out, outOff + (a0 / group) * outStride + (firstHead + a0 % group) * headDim);
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
        FloatVector t = accA.add(accA.rearrange(Simd.HALVES)).blend(accB.add(accB.rearrange(Simd.HALVES)), Simd.UPPER8);
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
