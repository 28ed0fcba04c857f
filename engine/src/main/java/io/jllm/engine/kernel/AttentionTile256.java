package io.jllm.engine.kernel;

import static io.jllm.engine.kernel.Attention.ACC;
import static io.jllm.engine.kernel.Attention.H_BUF;
import static io.jllm.engine.kernel.Attention.INV;
import static io.jllm.engine.kernel.Attention.K_BUF;
import static io.jllm.engine.kernel.Attention.Q_T;
import static io.jllm.engine.kernel.Attention.SCORE_BLOCK;
import static io.jllm.engine.kernel.Attention.TILE_MAX_HEAD;
import static io.jllm.engine.kernel.Attention.TILE_QUERIES;
import static io.jllm.engine.kernel.Attention.VALUE_BLOCK;

import io.jllm.engine.kv.KvSequence;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Attention#simdTile} after the query transposition, at 256 bits (AVX2): the same scratch
 * layout, the same canonical order and so the same bits, with the tile's 32 queries across four
 * vectors of 8 instead of two of 16. AVX2 has 16 vector registers where the 512-bit passes keep
 * 24 accumulators, so the score pass takes two positions at a time and the canonical lanes
 * {@code l} and {@code l+8} one after the other (the first stored, the second added to it, which is
 * the tree's first level), and the value pass carries 8 queries' slices at a time. Before this
 * class every query of an AVX2 prefill ran alone ({@link Attention#simd}), converting each F16 key
 * and value once per query head pair instead of once per tile.
 */
final class AttentionTile256 {
    private static final VectorSpecies<Float> F = Simd.F256;
    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
    private static final int TQ = TILE_QUERIES;

    private AttentionTile256() {
    }

    /**
     * Scores, softmax and outputs of a tile whose queries are already transposed at
     * {@link Attention#Q_T}; arguments as {@link Attention#simdTile}.
     */
    static void tile(MemorySegment keys, MemorySegment values, KvSequence seq, int kvHead, boolean half, int pos0,
            int tokens, int group, int firstHead, int headDim, float scale, float[] s, int rows, int vb, float[] out,
            int outOff, int outStride) {
        int nq = tokens * group;
        int span = pos0 + tokens;
        for (int j = 0; j < span; j += SCORE_BLOCK) {
            blockScores(keys, seq, kvHead, half, j, span, s, headDim, scale, rows + j * TQ);
        }
        softmaxRows(s, rows, span, pos0, tokens, group);
        Arrays.fill(s, ACC, ACC + TQ * headDim, 0f);
        for (int j0 = 0; j0 <= pos0; j0 += VALUE_BLOCK) {
            valueBlock(values, seq, kvHead, half, j0, Math.min(VALUE_BLOCK, pos0 + 1 - j0), s, vb,
                    headDim, rows + j0 * TQ);
        }
        // outputs are [8-element slice][query][8] at ACC
        for (int a = 0; a < nq; a++) {
            int o = outOff + (a / group) * outStride + (firstHead + a % group) * headDim;
            for (int i = 0; i < headDim; i += 8) {
                FloatVector.fromArray(F, s, ACC + i * TQ + a * 8).intoArray(out, o + i);
            }
        }
        // the tile's own positions, as at 512 bits: one chain at a time
        ownValues(values, seq, kvHead, half, pos0, tokens, headDim, s, vb);
        for (int t = 1; t < tokens; t++) {
            for (int h = 0; h < group; h++) {
                int a = t * group + h;
                int o = outOff + t * outStride + (firstHead + h) * headDim;
                for (int i = 0; i < headDim; i += 8) {
                    FloatVector c = FloatVector.fromArray(F, out, o + i);
                    for (int u = 1; u <= t; u++) {
                        c = FloatVector.broadcast(F, s[rows + (pos0 + u) * TQ + a])
                                .fma(FloatVector.fromArray(F, s, vb + (u - 1) * headDim + i), c);
                    }
                    c.intoArray(out, o + i);
                }
            }
        }
    }

    /**
     * The values of the tile's positions after its first, converted to {@code buf[vb ..]}. A method
     * of its own so that its conversion inlines here: left in {@link #tile}, C2 once compiled the
     * conversion as a call and boxed its vectors (37-49 MB a 20-step run, JFR allocation samples).
     */
    private static void ownValues(MemorySegment values, KvSequence seq, int kvHead, boolean half, int pos0,
            int tokens, int headDim, float[] buf, int vb) {
        for (int t = 1; t < tokens; t++) {
            convert(values, seq.row(pos0 + t, kvHead), half, headDim, buf, vb + (t - 1) * headDim);
        }
    }

    private static void convert(MemorySegment kv, long at, boolean half, int headDim, float[] buf, int to) {
        for (int i = 0; i < headDim; i += 8) {
            FloatVector v;
            if (half) {
                v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, kv, 2 * (at + i), Simd.LE)
                        .convertShape(VectorOperators.S2I, Simd.I256, 0));
            } else {
                v = FloatVector.fromMemorySegment(F, kv, 4 * (at + i), Simd.LE);
            }
            v.intoArray(buf, to + i);
        }
    }

    /**
     * The 32 queries' scores of {@link Attention#SCORE_BLOCK} positions from {@code j}, as
     * {@link Attention}'s 512-bit pass: keys converted to {@code K_BUF}, lane pair sums to
     * {@code H_BUF}, then the rest of the tree into the rows at {@code buf[row ..]}.
     */
    private static void blockScores(MemorySegment keys, KvSequence seq, int kvHead, boolean half, int j, int span,
            float[] buf, int headDim, float scale, int row) {
        for (int p = 0; p < SCORE_BLOCK; p++) {
            int jp = j + p;
            int to = K_BUF + p * TILE_MAX_HEAD;
            if (jp < span) {
                convert(keys, seq.row(jp, kvHead), half, headDim, buf, to);
            } else {
                Arrays.fill(buf, to, to + headDim, 0f);
            }
        }
        for (int p = 0; p < SCORE_BLOCK; p += 2) {
            for (int l = 0; l < 8; l++) {
                lanePair(buf, headDim, p, l, false);
                lanePair(buf, headDim, p, l + 8, true);
            }
        }
        // the rest of the tree, per position and 8 queries: pair sum l at h + 32*l
        for (int x = 0; x < SCORE_BLOCK * 4; x++) {
            int h = H_BUF + (x >> 2) * 256 + (x & 3) * 8;
            FloatVector g0 = FloatVector.fromArray(F, buf, h).add(FloatVector.fromArray(F, buf, h + 128));
            FloatVector g1 = FloatVector.fromArray(F, buf, h + 32).add(FloatVector.fromArray(F, buf, h + 160));
            FloatVector g2 = FloatVector.fromArray(F, buf, h + 64).add(FloatVector.fromArray(F, buf, h + 192));
            FloatVector g3 = FloatVector.fromArray(F, buf, h + 96).add(FloatVector.fromArray(F, buf, h + 224));
            g0.add(g2).add(g1.add(g3)).mul(scale).intoArray(buf, row + x * 8);
        }
    }

    /**
     * Canonical lane {@code l} (elements {@code l, l+16, ..}) of the 32 queries against the keys
     * of positions {@code p} and {@code p+1}: 8 accumulators, the 4 query vectors loaded once for
     * both. Lanes below 8 are stored at their pair's place in {@code H_BUF}; lane {@code l+8} is
     * added to them ({@code lane l + lane l+8}, the tree's first level).
     */
    private static void lanePair(float[] buf, int headDim, int p, int l, boolean second) {
        int k0 = K_BUF + p * TILE_MAX_HEAD;
        int k1 = k0 + TILE_MAX_HEAD;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int d = l; d < headDim; d += 16) {
            int qd = Q_T + d * TQ;
            FloatVector q0 = FloatVector.fromArray(F, buf, qd);
            FloatVector q1 = FloatVector.fromArray(F, buf, qd + 8);
            FloatVector q2 = FloatVector.fromArray(F, buf, qd + 16);
            FloatVector q3 = FloatVector.fromArray(F, buf, qd + 24);
            FloatVector ka = FloatVector.broadcast(F, buf[k0 + d]);
            a0 = q0.fma(ka, a0);
            a1 = q1.fma(ka, a1);
            a2 = q2.fma(ka, a2);
            a3 = q3.fma(ka, a3);
            FloatVector kb = FloatVector.broadcast(F, buf[k1 + d]);
            b0 = q0.fma(kb, b0);
            b1 = q1.fma(kb, b1);
            b2 = q2.fma(kb, b2);
            b3 = q3.fma(kb, b3);
        }
        int h = H_BUF + p * 256 + (l & 7) * 32;
        if (second) {
            a0 = FloatVector.fromArray(F, buf, h).add(a0);
            a1 = FloatVector.fromArray(F, buf, h + 8).add(a1);
            a2 = FloatVector.fromArray(F, buf, h + 16).add(a2);
            a3 = FloatVector.fromArray(F, buf, h + 24).add(a3);
            b0 = FloatVector.fromArray(F, buf, h + 256).add(b0);
            b1 = FloatVector.fromArray(F, buf, h + 264).add(b1);
            b2 = FloatVector.fromArray(F, buf, h + 272).add(b2);
            b3 = FloatVector.fromArray(F, buf, h + 280).add(b3);
        }
        a0.intoArray(buf, h);
        a1.intoArray(buf, h + 8);
        a2.intoArray(buf, h + 16);
        a3.intoArray(buf, h + 24);
        b0.intoArray(buf, h + 256);
        b1.intoArray(buf, h + 264);
        b2.intoArray(buf, h + 272);
        b3.intoArray(buf, h + 280);
    }

    /** {@link Attention}'s softmax down the rows, 8 queries a vector (the same bits per query). */
    private static void softmaxRows(float[] s, int rows, int span, int pos0, int tokens, int group) {
        for (int t = 1; t < tokens; t++) {
            int r = rows + (pos0 + t) * TQ;
            Arrays.fill(s, r, r + Math.min(TQ, t * group), Float.NEGATIVE_INFINITY);
        }
        int end = rows + span * TQ;
        FloatVector max0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector max1 = max0;
        FloatVector max2 = max0;
        FloatVector max3 = max0;
        for (int r = rows; r < end; r += TQ) {
            max0 = max0.max(FloatVector.fromArray(F, s, r));
            max1 = max1.max(FloatVector.fromArray(F, s, r + 8));
            max2 = max2.max(FloatVector.fromArray(F, s, r + 16));
            max3 = max3.max(FloatVector.fromArray(F, s, r + 24));
        }
        // one call site of Exp.exp, each vector's maxima read back from INV (free until the sums):
        // with four, C2 inlined two and boxed the vectors of the others (250 MB a 512-token pass)
        max0.intoArray(s, INV);
        max1.intoArray(s, INV + 8);
        max2.intoArray(s, INV + 16);
        max3.intoArray(s, INV + 24);
        for (int r = rows; r < end; r += 8) {
            Exp.exp(FloatVector.fromArray(F, s, r).sub(FloatVector.fromArray(F, s, INV + ((r - rows) & (TQ - 1)))))
                    .intoArray(s, r);
        }
        // each query's exponentials summed in double in position order, 4 queries a vector
        for (int k = 0; k < TQ; k += 16) {
            DoubleVector sum0 = DoubleVector.zero(D);
            DoubleVector sum1 = sum0;
            DoubleVector sum2 = sum0;
            DoubleVector sum3 = sum0;
            for (int r = rows + k; r < end; r += TQ) {
                sum0 = sum0.add((DoubleVector) FloatVector.fromArray(F128, s, r)
                        .convertShape(VectorOperators.F2D, D, 0));
                sum1 = sum1.add((DoubleVector) FloatVector.fromArray(F128, s, r + 4)
                        .convertShape(VectorOperators.F2D, D, 0));
                sum2 = sum2.add((DoubleVector) FloatVector.fromArray(F128, s, r + 8)
                        .convertShape(VectorOperators.F2D, D, 0));
                sum3 = sum3.add((DoubleVector) FloatVector.fromArray(F128, s, r + 12)
                        .convertShape(VectorOperators.F2D, D, 0));
            }
            DoubleVector one = DoubleVector.broadcast(D, 1.0);
            ((FloatVector) one.div(sum0).convertShape(VectorOperators.D2F, F128, 0)).intoArray(s, INV + k);
            ((FloatVector) one.div(sum1).convertShape(VectorOperators.D2F, F128, 0)).intoArray(s, INV + k + 4);
            ((FloatVector) one.div(sum2).convertShape(VectorOperators.D2F, F128, 0)).intoArray(s, INV + k + 8);
            ((FloatVector) one.div(sum3).convertShape(VectorOperators.D2F, F128, 0)).intoArray(s, INV + k + 12);
        }
        FloatVector inv0 = FloatVector.fromArray(F, s, INV);
        FloatVector inv1 = FloatVector.fromArray(F, s, INV + 8);
        FloatVector inv2 = FloatVector.fromArray(F, s, INV + 16);
        FloatVector inv3 = FloatVector.fromArray(F, s, INV + 24);
        for (int r = rows; r < end; r += TQ) {
            FloatVector.fromArray(F, s, r).mul(inv0).intoArray(s, r);
            FloatVector.fromArray(F, s, r + 8).mul(inv1).intoArray(s, r + 8);
            FloatVector.fromArray(F, s, r + 16).mul(inv2).intoArray(s, r + 16);
            FloatVector.fromArray(F, s, r + 24).mul(inv3).intoArray(s, r + 24);
        }
    }

    /**
     * Values of positions {@code j0 .. j0+n-1} converted to {@code buf[vb ..]}, then the outputs
     * (at {@code ACC}, {@code [8-element slice][query][8]}) carried through them in registers, two
     * slices of 4 queries at a time, each the canonical fma chain in position order.
     */
    private static void valueBlock(MemorySegment values, KvSequence seq, int kvHead, boolean half, int j0, int n,
            float[] buf, int vb, int headDim, int p) {
        for (int jj = 0; jj < n; jj++) {
            int j = j0 + jj;
            convert(values, seq.row(j, kvHead), half, headDim, buf, vb + jj * headDim);
        }
        // register block: two 8-element slices x 4 queries (8 accumulators, 2 value and 4 probability
        // loads per 8 fma; one slice x 8 queries took 9 loads)
        for (int i = 0; i < headDim; i += 16) {
            for (int qv = 0; qv < TQ; qv += 4) {
                int acc = ACC + i * TQ + qv * 8;
                int acc1 = acc + 8 * TQ;
                int v = vb + i;
                int pq = p + qv;
                FloatVector c0 = FloatVector.fromArray(F, buf, acc);
                FloatVector c1 = FloatVector.fromArray(F, buf, acc + 8);
                FloatVector c2 = FloatVector.fromArray(F, buf, acc + 16);
                FloatVector c3 = FloatVector.fromArray(F, buf, acc + 24);
                FloatVector d0 = FloatVector.fromArray(F, buf, acc1);
                FloatVector d1 = FloatVector.fromArray(F, buf, acc1 + 8);
                FloatVector d2 = FloatVector.fromArray(F, buf, acc1 + 16);
                FloatVector d3 = FloatVector.fromArray(F, buf, acc1 + 24);
                for (int jj = 0; jj < n; jj++) {
                    FloatVector x = FloatVector.fromArray(F, buf, v + jj * headDim);
                    FloatVector y = FloatVector.fromArray(F, buf, v + jj * headDim + 8);
                    int r = pq + jj * TQ;
                    FloatVector b = FloatVector.broadcast(F, buf[r]);
                    c0 = b.fma(x, c0);
                    d0 = b.fma(y, d0);
                    b = FloatVector.broadcast(F, buf[r + 1]);
                    c1 = b.fma(x, c1);
                    d1 = b.fma(y, d1);
                    b = FloatVector.broadcast(F, buf[r + 2]);
                    c2 = b.fma(x, c2);
                    d2 = b.fma(y, d2);
                    b = FloatVector.broadcast(F, buf[r + 3]);
                    c3 = b.fma(x, c3);
                    d3 = b.fma(y, d3);
                }
                c0.intoArray(buf, acc);
                c1.intoArray(buf, acc + 8);
                c2.intoArray(buf, acc + 16);
                c3.intoArray(buf, acc + 24);
                d0.intoArray(buf, acc1);
                d1.intoArray(buf, acc1 + 8);
                d2.intoArray(buf, acc1 + 16);
                d3.intoArray(buf, acc1 + 24);
            }
        }
    }
}
