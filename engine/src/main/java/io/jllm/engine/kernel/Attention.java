package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
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
        float[] lanes = new float[16];
        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                long base = seq.row(j, kvHead);
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
                long base = seq.row(j, kvHead);
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
        long headOff = cache.headOffset(kvHead);
        long blockStride = cache.blockStride();
        int rowStride = cache.rowStride();
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
                long row0 = seq.block(j0 / bs) * blockStride + headOff;
                for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                    long base = row0 + (long) (j - j0) * rowStride;
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
                    accumulate512(values, seq, bs, blockStride, rowStride, headOff + i, half, scores, n, pos, out,
                            oa + i, oa + headDim + i);
                } else {
                    accumulate256(values, seq, bs, blockStride, rowStride, headOff + i, half, scores, n, pos, out,
                            oa + i, oa + headDim + i);
                }
            }
        }
        for (; h < last; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j0 = 0; j0 <= pos; j0 += bs) {
                long row0 = seq.block(j0 / bs) * blockStride + headOff;
                for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                    long base = row0 + (long) (j - j0) * rowStride;
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
                    accumulate512(values, seq, bs, blockStride, rowStride, headOff + i, half, scores, 0, pos, out,
                            oh + i, oh + i);
                } else {
                    accumulate256(values, seq, bs, blockStride, rowStride, headOff + i, half, scores, 0, pos, out,
                            oh + i, oh + i);
                }
            }
        }
    }

    /**
     * Scratch for {@link #simd} and {@link #simdTile}, at least {@code floats} long: a heap array
     * whose tile buffers are 64-byte aligned where the heap allows ({@link AlignedFloats}).
     */
    public static float[] newScratch(int floats) {
        return AlignedFloats.allocate(floats);
    }

    /**
     * The most queries (tokens x query heads of one KV head) one tiled pass attends for: two
     * vectors of them across the lanes (see {@link #simdTile}), so each key and value is converted
     * from F16 once per 32 queries. One thread, every tile of a 512-token prefill at one layer of
     * Qwen3-0.6B: 17.0 ms against 18.5-18.8 with 16 queries per tile (both with 16 score
     * accumulators). The score rows take twice the scratch of 16 (32 floats per position).
     */
    public static final int TILE_QUERIES = 32;

    /** Tokens per tiled pass for {@code group} query heads per KV head. */
    public static int tileTokens(int group) {
        return Math.max(1, TILE_QUERIES / group);
    }

    /**
     * Positions whose scores one pass of {@link #blockScores} computes: 24 accumulators in
     * registers, and 16 loads (4 of queries, 12 broadcast keys) per 24 fma. Same measure as
     * {@link #TILE_QUERIES}: 15.2-15.7 ms against 17.0 with 4 positions.
     */
    static final int SCORE_BLOCK = 6;
    /** The largest head the tiled path takes (its scratch layout is fixed up to it); larger go token by token. */
    static final int TILE_MAX_HEAD = 256;
    /**
     * Where the tile's scratch starts: the transposed queries ({@code [d][32 queries]}), 64-byte
     * aligned in an array from {@link #newScratch}, as are all the buffers and rows after them
     * (with 16-query tiles, same measure: 21.2 ms aligned, 23.0 at 16 bytes off).
     */
    static final int Q_T = AlignedFloats.PAD;
    /**
     * Where a score block's converted keys start (key {@code p} at {@code K_BUF + p*TILE_MAX_HEAD}).
     * Constant offsets let C2 fold them into the addresses of {@link #blockScores}' loads.
     */
    static final int K_BUF = Q_T + TILE_QUERIES * TILE_MAX_HEAD;
    /** A score block's tree partials ({@code [position][lane pair][32 queries]}). */
    static final int H_BUF = K_BUF + SCORE_BLOCK * TILE_MAX_HEAD;
    /** The 32 softmax reciprocals. */
    static final int INV = H_BUF + SCORE_BLOCK * 8 * TILE_QUERIES;
    /** After the fixed buffers: the 32 queries' outputs ({@code [16-element slice][query][16]}). */
    static final int ACC = INV + TILE_QUERIES;
    /**
     * Positions whose values are converted together, then accumulated slice by slice (16, 32 and
     * 64 measured the same); at least the tile's own positions after its first, which reuse it.
     */
    static final int VALUE_BLOCK = 32;

    /** Where the converted values of a block start, after the accumulators. */
    private static int valueBuffer(int headDim) {
        return ACC + TILE_QUERIES * headDim;
    }

    /** Where the score rows start, after the value block (whose first rows also hold the tile's own). */
    private static int scoreRows(int headDim) {
        return valueBuffer(headDim) + VALUE_BLOCK * headDim;
    }

    /** The score rows' count (and the converted keys' and values' positions) for a last position of {@code lastPos}: whole score blocks. */
    private static int rowsFor(int lastPos) {
        return (lastPos + SCORE_BLOCK) / SCORE_BLOCK * SCORE_BLOCK;
    }

    /** Scratch one tile needs that converts its keys and values itself: the buffers and the score rows. */
    private static int tileOnlyScratch(int lastPos, int headDim) {
        return scoreRows(headDim) + TILE_QUERIES * rowsFor(lastPos);
    }

    /** Where a run's converted keys start (its values follow them, {@code rowsFor(lastPos) * headDim} on). */
    private static int convertedKeys(int lastPos, int headDim) {
        return tileOnlyScratch(lastPos, headDim);
    }

    /**
     * Scratch floats {@link #simdTile} needs for a run of tokens (any length, any group) whose last
     * position is {@code lastPos}: its buffers, a row of 32 query scores per position (rounded up to a whole
     * score block), and every position's key and value as floats. With less (but at least the rows)
     * each tile converts the keys and values itself; with less than that it goes token by token.
     */
    public static int tileScratch(int lastPos, int headDim) {
        return tileOnlyScratch(lastPos, headDim) + 2 * rowsFor(lastPos) * headDim;
    }

    /**
     * {@link #simd} for {@code tokens} consecutive tokens of one sequence (a prefill chunk) at
     * positions {@code pos0 ..}, token {@code t}'s queries at {@code qOff + t*qStride} and its
     * outputs at {@code outOff + t*outStride}: the same bits as one call per token. The tokens go in
     * tiles of {@link #tileTokens} (a tile's queries share each key and value it reads), in order;
     * where {@code scores} holds {@link #tileScratch} floats (at 512 bits), each position's key and
     * value is converted from the cache once for the whole run and kept as floats in it, not once
     * per tile: with 16-token tiles a 512-token prefill converted each early key and value 32
     * times, from a cache that the pass has mostly evicted by then. The forward pass's attention,
     * 512 tokens of Qwen3-0.6B, 2 threads, medians of 8 passes in alternating JVMs: 187 and 193 ms
     * before, 174 and 188 with only {@link #valueBlock}'s new loop, 147 and 138 with the conversion
     * once per run as well. One thread on hot data runs the two forms alike, so the saving is in
     * the pass, presumably the F16 rows that each tile re-read after the matmuls had evicted them
     * (not measured).
     */
    public static void simdTile(PagedKvCache cache, int layer, KvSequence seq, int pos0, int tokens, int kvHead,
            int group, int headDim, float scale, float[] q, int qOff, int qStride, float[] out, int outOff,
            int outStride, float[] scores) {
        int last = pos0 + tokens - 1;
        if (tokens == 1 || headDim % 16 != 0 || headDim > TILE_MAX_HEAD || group > TILE_QUERIES
                || scores.length < tileOnlyScratch(last, headDim)) {
            for (int t = 0; t < tokens; t++) {
                simd(cache, layer, seq, pos0 + t, kvHead, group, headDim, scale, q, qOff + t * qStride, out,
                        outOff + t * outStride, scores);
            }
            return;
        }
        boolean converted = Simd.WIDE && scores.length >= tileScratch(last, headDim);
        int kf = converted ? convertedKeys(last, headDim) : -1;
        int vf = converted ? kf + rowsFor(last) * headDim : -1;
        int tt = tileTokens(group);
        int have = 0;
        for (int t = 0; t < tokens; t += tt) {
            int len = Math.min(tt, tokens - t);
            if (len == 1) {
                simd(cache, layer, seq, pos0 + t, kvHead, group, headDim, scale, q, qOff + t * qStride, out,
                        outOff + t * outStride, scores);
                continue;
            }
            if (converted) {
                int span = pos0 + t + len;
                convertRange(cache, layer, seq, kvHead, have, span, headDim, scores, kf, vf);
                have = span;
            }
            tile(cache, layer, seq, pos0 + t, len, kvHead, group, headDim, scale, q, qOff + t * qStride, qStride, out,
                    outOff + t * outStride, outStride, scores, kf, vf);
        }
    }

    /**
     * Keys and values of positions {@code from .. span-1} as floats at {@code kf + j*headDim} and
     * {@code vf + j*headDim}; the keys up to the end of {@code span}'s score block zero (a score block
     * reads them, and its rows past the span are never used).
     */
    private static void convertRange(PagedKvCache cache, int layer, KvSequence seq, int kvHead, int from, int span,
            int headDim, float[] buf, int kf, int vf) {
        boolean half = cache.type() == KvType.F16;
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        for (int j = from; j < span; j++) {
            long row = seq.row(j, kvHead);
            convert(keys, row, half, headDim, buf, kf + j * headDim);
            convert(values, row, half, headDim, buf, vf + j * headDim);
        }
        java.util.Arrays.fill(buf, kf + span * headDim, kf + rowsFor(span - 1) * headDim, 0f);
    }

    /**
     * One tile of at most {@link #TILE_QUERIES} queries: {@code tokens} tokens from {@code pos0}.
     * {@code kf} and {@code vf}: where the keys and values of every position up to the tile's last
     * are already floats in {@code scores} ({@link #convertRange}), or -1 to convert them here.
     *
     * <p>The tile's (up to 32) queries lie across the lanes of two vectors: query {@code a} is
     * token {@code a / group}, head {@code kvHead*group + a % group}. A score is then the
     * canonical lane sums and tree done lane-wise on vectors of queries (float add and the fma's
     * product are commutative, so each lane gets the same bits): a key element broadcast, no
     * shuffle and no lane extraction (the form with a pair of queries per vector did, per pair and
     * position, 24 loads, 16 fma and a tree of 4 shuffles on the port the fma also uses, then took
     * two lanes out one by one). The softmax runs down the position rows for all queries at once
     * (each lane's max, exponentials, double sum in position order), and each value row is
     * converted once for all of them. One thread, every tile of a 512-token prefill at one layer of
     * Qwen3-0.6B (F16 cache): 15.2-15.7 ms against 41.1-42.0 for 16 queries in pairs.
     */
    private static void tile(PagedKvCache cache, int layer, KvSequence seq, int pos0, int tokens, int kvHead,
            int group, int headDim, float scale, float[] q, int qOff, int qStride, float[] out, int outOff,
            int outStride, float[] scores, int kf, int vf) {
        int nq = tokens * group;
        int span = pos0 + tokens;
        boolean half = cache.type() == KvType.F16;
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int firstHead = kvHead * group;
        int rows = scoreRows(headDim);
        int vb = valueBuffer(headDim);
        // queries transposed: qT[d*32 + a]; lanes past the tile's queries repeat the last one
        for (int a = 0; a < TILE_QUERIES; a++) {
            int b = Math.min(a, nq - 1);
            int qa = qOff + (b / group) * qStride + (firstHead + b % group) * headDim;
            for (int d = 0; d < headDim; d++) {
                scores[Q_T + d * TILE_QUERIES + a] = q[qa + d];
            }
        }
        if (!Simd.WIDE) {
            AttentionTile256.tile(keys, values, seq, kvHead, half, pos0, tokens, group, firstHead, headDim,
                    scale, scores, rows, vb, out, outOff, outStride);
            return;
        }
        // score rows: scores[rows + j*32 + a] for every position up to the tile's last; a query's
        // positions past its own are computed (their keys are stored) and masked in softmaxRows
        for (int j = 0; j < span; j += SCORE_BLOCK) {
            blockScores(keys, seq, kvHead, half, j, span, scores, headDim, scale, rows + j * TILE_QUERIES, kf);
        }
        softmaxRows(scores, rows, span, pos0, tokens, group);
        // values up to the tile's first position (everyone's): a block of positions converted at
        // once, then each 16-element slice of the queries' outputs carried through it in registers
        java.util.Arrays.fill(scores, ACC, ACC + TILE_QUERIES * headDim, 0f);
        for (int j0 = 0; j0 <= pos0; j0 += VALUE_BLOCK) {
            valueBlock(values, seq, kvHead, half, j0, Math.min(VALUE_BLOCK, pos0 + 1 - j0), scores,
                    vf < 0 ? vb : vf + j0 * headDim, vf < 0, headDim, rows + j0 * TILE_QUERIES);
        }
        for (int a = 0; a < nq; a++) {
            int o = outOff + (a / group) * outStride + (firstHead + a % group) * headDim;
            for (int i = 0; i < headDim; i += 16) {
                FloatVector.fromArray(Simd.F512, scores, ACC + i * TILE_QUERIES + a * 16).intoArray(out, o + i);
            }
        }
        // the tile's own positions: pos0 + t continues the chains of the queries of tokens t and
        // later, one chain at a time (in the block loop, branches choosing between the
        // accumulators' updates made C2 box them every position)
        int own = vf < 0 ? vb : vf + (pos0 + 1) * headDim;
        for (int t = 1; t < tokens && vf < 0; t++) {
            convert(values, seq.row(pos0 + t, kvHead), half, headDim, scores, vb + (t - 1) * headDim);
        }
        for (int t = 1; t < tokens; t++) {
            for (int h = 0; h < group; h++) {
                int a = t * group + h;
                int o = outOff + t * outStride + (firstHead + h) * headDim;
                for (int i = 0; i < headDim; i += 16) {
                    FloatVector c = FloatVector.fromArray(Simd.F512, out, o + i);
                    for (int u = 1; u <= t; u++) {
                        c = FloatVector.broadcast(Simd.F512, scores[rows + (pos0 + u) * TILE_QUERIES + a])
                                .fma(FloatVector.fromArray(Simd.F512, scores, own + (u - 1) * headDim + i), c);
                    }
                    c.intoArray(out, o + i);
                }
            }
        }
    }

    /** One cached key or value, {@code headDim} elements at {@code at}, as floats into {@code buf[to ..]}. */
    private static void convert(MemorySegment kv, long at, boolean half, int headDim, float[] buf, int to) {
        for (int i = 0; i < headDim; i += 16) {
            load512(kv, at + i, half).intoArray(buf, to + i);
        }
    }

    private static FloatVector load512(MemorySegment kv, long at, boolean half) {
        if (half) {
            return Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, kv, 2 * at, Simd.LE)
                    .convertShape(VectorOperators.S2I, Simd.I512, 0));
        }
        return FloatVector.fromMemorySegment(Simd.F512, kv, 4 * at, Simd.LE);
    }

    /**
     * The 32 queries' scores (times scale) of {@link #SCORE_BLOCK} positions from {@code j} (those
     * from {@code span} on have zero keys), keys at {@code kf} (converted for the whole run) or else
     * converted here to {@link #K_BUF}, queries transposed at
     * {@link #Q_T}, into the rows at {@code buf[row ..]}. Lane sets {@code l} and {@code l+8} go
     * together, their accumulators for the block's positions in registers, each query vector
     * loaded once for all of them; the pair's sum (the tree's first level) goes to {@link #H_BUF}
     * and the rest of the tree follows. The keys are converted here, not in {@link #simdTile}, so
     * that each compiled method inlines one conversion: with three in {@link #simdTile}, C2 hit its
     * node count limit, called the conversion and boxed its vectors.
     */
    private static void blockScores(MemorySegment keys, KvSequence seq, int kvHead, boolean half, int j, int span,
            float[] buf, int headDim, float scale, int row, int kf) {
        VectorSpecies<Float> f = Simd.F512;
        // the block's keys: converted by the run at kf, else here
        int k0 = kf < 0 ? K_BUF : kf + j * headDim;
        int ks = kf < 0 ? TILE_MAX_HEAD : headDim;
        int k1 = k0 + ks;
        int k2 = k1 + ks;
        int k3 = k2 + ks;
        int k4 = k3 + ks;
        int k5 = k4 + ks;
        for (int p = 0; p < SCORE_BLOCK && kf < 0; p++) {
            int jp = j + p;
            int to = K_BUF + p * TILE_MAX_HEAD;
            if (jp < span) {
                convert(keys, seq.row(jp, kvHead), half, headDim, buf, to);
            } else {
                java.util.Arrays.fill(buf, to, to + headDim, 0f);
            }
        }
        for (int l = 0; l < 8; l++) {
            FloatVector a00 = FloatVector.zero(f);
            FloatVector b00 = a00;
            FloatVector a01 = a00;
            FloatVector b01 = a00;
            FloatVector a10 = a00;
            FloatVector b10 = a00;
            FloatVector a11 = a00;
            FloatVector b11 = a00;
            FloatVector a20 = a00;
            FloatVector b20 = a00;
            FloatVector a21 = a00;
            FloatVector b21 = a00;
            FloatVector a30 = a00;
            FloatVector b30 = a00;
            FloatVector a31 = a00;
            FloatVector b31 = a00;
            FloatVector a40 = a00;
            FloatVector b40 = a00;
            FloatVector a41 = a00;
            FloatVector b41 = a00;
            FloatVector a50 = a00;
            FloatVector b50 = a00;
            FloatVector a51 = a00;
            FloatVector b51 = a00;
            for (int d = l; d < headDim; d += 16) {
                FloatVector qa0 = FloatVector.fromArray(f, buf, Q_T + d * 32);
                FloatVector qa1 = FloatVector.fromArray(f, buf, Q_T + d * 32 + 16);
                FloatVector qb0 = FloatVector.fromArray(f, buf, Q_T + d * 32 + 256);
                FloatVector qb1 = FloatVector.fromArray(f, buf, Q_T + d * 32 + 272);
                FloatVector ka0 = FloatVector.broadcast(f, buf[k0 + d]);
                a00 = qa0.fma(ka0, a00);
                a01 = qa1.fma(ka0, a01);
                FloatVector kb0 = FloatVector.broadcast(f, buf[k0 + d + 8]);
                b00 = qb0.fma(kb0, b00);
                b01 = qb1.fma(kb0, b01);
                FloatVector ka1 = FloatVector.broadcast(f, buf[k1 + d]);
                a10 = qa0.fma(ka1, a10);
                a11 = qa1.fma(ka1, a11);
                FloatVector kb1 = FloatVector.broadcast(f, buf[k1 + d + 8]);
                b10 = qb0.fma(kb1, b10);
                b11 = qb1.fma(kb1, b11);
                FloatVector ka2 = FloatVector.broadcast(f, buf[k2 + d]);
                a20 = qa0.fma(ka2, a20);
                a21 = qa1.fma(ka2, a21);
                FloatVector kb2 = FloatVector.broadcast(f, buf[k2 + d + 8]);
                b20 = qb0.fma(kb2, b20);
                b21 = qb1.fma(kb2, b21);
                FloatVector ka3 = FloatVector.broadcast(f, buf[k3 + d]);
                a30 = qa0.fma(ka3, a30);
                a31 = qa1.fma(ka3, a31);
                FloatVector kb3 = FloatVector.broadcast(f, buf[k3 + d + 8]);
                b30 = qb0.fma(kb3, b30);
                b31 = qb1.fma(kb3, b31);
                FloatVector ka4 = FloatVector.broadcast(f, buf[k4 + d]);
                a40 = qa0.fma(ka4, a40);
                a41 = qa1.fma(ka4, a41);
                FloatVector kb4 = FloatVector.broadcast(f, buf[k4 + d + 8]);
                b40 = qb0.fma(kb4, b40);
                b41 = qb1.fma(kb4, b41);
                FloatVector ka5 = FloatVector.broadcast(f, buf[k5 + d]);
                a50 = qa0.fma(ka5, a50);
                a51 = qa1.fma(ka5, a51);
                FloatVector kb5 = FloatVector.broadcast(f, buf[k5 + d + 8]);
                b50 = qb0.fma(kb5, b50);
                b51 = qb1.fma(kb5, b51);
            }
            a00.add(b00).intoArray(buf, H_BUF + 0 + l * 32);
            a01.add(b01).intoArray(buf, H_BUF + 16 + l * 32);
            a10.add(b10).intoArray(buf, H_BUF + 256 + l * 32);
            a11.add(b11).intoArray(buf, H_BUF + 272 + l * 32);
            a20.add(b20).intoArray(buf, H_BUF + 512 + l * 32);
            a21.add(b21).intoArray(buf, H_BUF + 528 + l * 32);
            a30.add(b30).intoArray(buf, H_BUF + 768 + l * 32);
            a31.add(b31).intoArray(buf, H_BUF + 784 + l * 32);
            a40.add(b40).intoArray(buf, H_BUF + 1024 + l * 32);
            a41.add(b41).intoArray(buf, H_BUF + 1040 + l * 32);
            a50.add(b50).intoArray(buf, H_BUF + 1280 + l * 32);
            a51.add(b51).intoArray(buf, H_BUF + 1296 + l * 32);
        }
        // the rest of the tree, per position and 16 queries: pair sum l at h + 32*l
        for (int x = 0; x < SCORE_BLOCK * 2; x++) {
            int h = H_BUF + (x >> 1) * 256 + (x & 1) * 16;
            FloatVector g0 = FloatVector.fromArray(f, buf, h).add(FloatVector.fromArray(f, buf, h + 128));
            FloatVector g1 = FloatVector.fromArray(f, buf, h + 32).add(FloatVector.fromArray(f, buf, h + 160));
            FloatVector g2 = FloatVector.fromArray(f, buf, h + 64).add(FloatVector.fromArray(f, buf, h + 192));
            FloatVector g3 = FloatVector.fromArray(f, buf, h + 96).add(FloatVector.fromArray(f, buf, h + 224));
            g0.add(g2).add(g1.add(g3)).mul(scale).intoArray(buf, row + x * 16);
        }
    }

    /**
     * Softmax of each query (lane) down the score rows {@code 0 .. span-1}, the probabilities left
     * in place: row {@code pos0 + t} is masked to -Infinity for the queries of tokens before
     * {@code t} (whose exponential is then 0, added to the double sum without changing it), and
     * every lane's max, exponentials, double sum in position order and float reciprocal are those
     * of {@link #softmaxSimd} on its own row.
     */
    private static void softmaxRows(float[] s, int rows, int span, int pos0, int tokens, int group) {
        VectorSpecies<Float> f = Simd.F512;
        for (int t = 1; t < tokens; t++) {
            int r = rows + (pos0 + t) * TILE_QUERIES;
            java.util.Arrays.fill(s, r, r + Math.min(TILE_QUERIES, t * group), Float.NEGATIVE_INFINITY);
        }
        int end = rows + span * TILE_QUERIES;
        FloatVector max0 = FloatVector.broadcast(f, Float.NEGATIVE_INFINITY);
        FloatVector max1 = max0;
        for (int r = rows; r < end; r += 32) {
            max0 = max0.max(FloatVector.fromArray(f, s, r));
            max1 = max1.max(FloatVector.fromArray(f, s, r + 16));
        }
        for (int r = rows; r < end; r += 32) {
            Exp.exp(FloatVector.fromArray(f, s, r).sub(max0)).intoArray(s, r);
            Exp.exp(FloatVector.fromArray(f, s, r + 16).sub(max1)).intoArray(s, r + 16);
        }
        DoubleVector sum0 = DoubleVector.zero(DoubleVector.SPECIES_512);
        DoubleVector sum1 = sum0;
        DoubleVector sum2 = sum0;
        DoubleVector sum3 = sum0;
        for (int r = rows; r < end; r += 32) {
            sum0 = sum0.add((DoubleVector) FloatVector.fromArray(Simd.F256, s, r)
                    .convertShape(VectorOperators.F2D, DoubleVector.SPECIES_512, 0));
            sum1 = sum1.add((DoubleVector) FloatVector.fromArray(Simd.F256, s, r + 8)
                    .convertShape(VectorOperators.F2D, DoubleVector.SPECIES_512, 0));
            sum2 = sum2.add((DoubleVector) FloatVector.fromArray(Simd.F256, s, r + 16)
                    .convertShape(VectorOperators.F2D, DoubleVector.SPECIES_512, 0));
            sum3 = sum3.add((DoubleVector) FloatVector.fromArray(Simd.F256, s, r + 24)
                    .convertShape(VectorOperators.F2D, DoubleVector.SPECIES_512, 0));
        }
        DoubleVector one = DoubleVector.broadcast(DoubleVector.SPECIES_512, 1.0);
        ((FloatVector) one.div(sum0).convertShape(VectorOperators.D2F, Simd.F256, 0)).intoArray(s, INV);
        ((FloatVector) one.div(sum1).convertShape(VectorOperators.D2F, Simd.F256, 0)).intoArray(s, INV + 8);
        ((FloatVector) one.div(sum2).convertShape(VectorOperators.D2F, Simd.F256, 0)).intoArray(s, INV + 16);
        ((FloatVector) one.div(sum3).convertShape(VectorOperators.D2F, Simd.F256, 0)).intoArray(s, INV + 24);
        FloatVector inv0 = FloatVector.fromArray(f, s, INV);
        FloatVector inv1 = FloatVector.fromArray(f, s, INV + 16);
        for (int r = rows; r < end; r += 32) {
            FloatVector.fromArray(f, s, r).mul(inv0).intoArray(s, r);
            FloatVector.fromArray(f, s, r + 16).mul(inv1).intoArray(s, r + 16);
        }
    }

    /**
     * Values of positions {@code j0 .. j0+n-1} at {@code buf[vb ..]} (row {@code jj} at
     * {@code vb + jj*headDim}; converted there first where {@code convert}), then the queries'
     * outputs (at {@link #ACC}, {@code [16-element slice][query][16]}) carried through them in
     * registers, each the canonical fma chain in position order, probabilities at
     * {@code buf[p + jj*32 ..]}. Converting a block first, rather than a slice per position inside
     * the loop, halved the time spent here (7.9 to 3.8 ms in the measure of {@link #TILE_QUERIES},
     * 16-query tiles); the accumulators' trip through memory per block is 32 loads and stores
     * against 512 fma. Each pass holds 4 slices x 4 queries: per position 4 value loads and 4
     * broadcasts feed 16 fma, where 1 slice x 16 queries took 17 loads (one thread, every tile of
     * one layer of a 512-token prefill: 4.2-5.3 ms here against 4.6-7.3, same bits).
     */
    private static void valueBlock(MemorySegment values, KvSequence seq, int kvHead, boolean half, int j0, int n,
            float[] buf, int vb, boolean convert, int headDim, int p) {
        VectorSpecies<Float> f = Simd.F512;
        for (int jj = 0; jj < n && convert; jj++) {
            int j = j0 + jj;
            convert(values, seq.row(j, kvHead), half, headDim, buf, vb + jj * headDim);
        }
        int s4 = headDim / 64 * 4;
        for (int s0 = 0; s0 < s4; s0 += 4) {
            for (int a0 = 0; a0 < TILE_QUERIES; a0 += 4) {
                // c{slice}{query}: slice s0 + slice, query a0 + query
                int acc = ACC + s0 * 16 * TILE_QUERIES + a0 * 16;
                FloatVector c00 = FloatVector.fromArray(f, buf, acc + 0);
                FloatVector c01 = FloatVector.fromArray(f, buf, acc + 16);
                FloatVector c02 = FloatVector.fromArray(f, buf, acc + 32);
                FloatVector c03 = FloatVector.fromArray(f, buf, acc + 48);
                FloatVector c10 = FloatVector.fromArray(f, buf, acc + 512);
                FloatVector c11 = FloatVector.fromArray(f, buf, acc + 528);
                FloatVector c12 = FloatVector.fromArray(f, buf, acc + 544);
                FloatVector c13 = FloatVector.fromArray(f, buf, acc + 560);
                FloatVector c20 = FloatVector.fromArray(f, buf, acc + 1024);
                FloatVector c21 = FloatVector.fromArray(f, buf, acc + 1040);
                FloatVector c22 = FloatVector.fromArray(f, buf, acc + 1056);
                FloatVector c23 = FloatVector.fromArray(f, buf, acc + 1072);
                FloatVector c30 = FloatVector.fromArray(f, buf, acc + 1536);
                FloatVector c31 = FloatVector.fromArray(f, buf, acc + 1552);
                FloatVector c32 = FloatVector.fromArray(f, buf, acc + 1568);
                FloatVector c33 = FloatVector.fromArray(f, buf, acc + 1584);
                for (int jj = 0; jj < n; jj++) {
                    int v = vb + jj * headDim + s0 * 16;
                    FloatVector x0 = FloatVector.fromArray(f, buf, v + 0);
                    FloatVector x1 = FloatVector.fromArray(f, buf, v + 16);
                    FloatVector x2 = FloatVector.fromArray(f, buf, v + 32);
                    FloatVector x3 = FloatVector.fromArray(f, buf, v + 48);
                    int r = p + jj * TILE_QUERIES + a0;
                    FloatVector p0 = FloatVector.broadcast(f, buf[r + 0]);
                    c00 = p0.fma(x0, c00);
                    c10 = p0.fma(x1, c10);
                    c20 = p0.fma(x2, c20);
                    c30 = p0.fma(x3, c30);
                    FloatVector p1 = FloatVector.broadcast(f, buf[r + 1]);
                    c01 = p1.fma(x0, c01);
                    c11 = p1.fma(x1, c11);
                    c21 = p1.fma(x2, c21);
                    c31 = p1.fma(x3, c31);
                    FloatVector p2 = FloatVector.broadcast(f, buf[r + 2]);
                    c02 = p2.fma(x0, c02);
                    c12 = p2.fma(x1, c12);
                    c22 = p2.fma(x2, c22);
                    c32 = p2.fma(x3, c32);
                    FloatVector p3 = FloatVector.broadcast(f, buf[r + 3]);
                    c03 = p3.fma(x0, c03);
                    c13 = p3.fma(x1, c13);
                    c23 = p3.fma(x2, c23);
                    c33 = p3.fma(x3, c33);
                }
                c00.intoArray(buf, acc + 0);
                c01.intoArray(buf, acc + 16);
                c02.intoArray(buf, acc + 32);
                c03.intoArray(buf, acc + 48);
                c10.intoArray(buf, acc + 512);
                c11.intoArray(buf, acc + 528);
                c12.intoArray(buf, acc + 544);
                c13.intoArray(buf, acc + 560);
                c20.intoArray(buf, acc + 1024);
                c21.intoArray(buf, acc + 1040);
                c22.intoArray(buf, acc + 1056);
                c23.intoArray(buf, acc + 1072);
                c30.intoArray(buf, acc + 1536);
                c31.intoArray(buf, acc + 1552);
                c32.intoArray(buf, acc + 1568);
                c33.intoArray(buf, acc + 1584);
            }
        }
        // slices left over (head sizes that are not a multiple of 64): 1 slice x 16 queries
        for (int sh = s4 * 2; sh < headDim / 16 * 2; sh++) {
            int i = (sh >> 1) * 16;
            int acc = ACC + i * TILE_QUERIES + (sh & 1) * 256;
            int v = vb + i;
            int pq = p + (sh & 1) * 16;
            FloatVector c0 = FloatVector.fromArray(f, buf, acc);
            FloatVector c1 = FloatVector.fromArray(f, buf, acc + 16);
            FloatVector c2 = FloatVector.fromArray(f, buf, acc + 32);
            FloatVector c3 = FloatVector.fromArray(f, buf, acc + 48);
            FloatVector c4 = FloatVector.fromArray(f, buf, acc + 64);
            FloatVector c5 = FloatVector.fromArray(f, buf, acc + 80);
            FloatVector c6 = FloatVector.fromArray(f, buf, acc + 96);
            FloatVector c7 = FloatVector.fromArray(f, buf, acc + 112);
            FloatVector c8 = FloatVector.fromArray(f, buf, acc + 128);
            FloatVector c9 = FloatVector.fromArray(f, buf, acc + 144);
            FloatVector c10 = FloatVector.fromArray(f, buf, acc + 160);
            FloatVector c11 = FloatVector.fromArray(f, buf, acc + 176);
            FloatVector c12 = FloatVector.fromArray(f, buf, acc + 192);
            FloatVector c13 = FloatVector.fromArray(f, buf, acc + 208);
            FloatVector c14 = FloatVector.fromArray(f, buf, acc + 224);
            FloatVector c15 = FloatVector.fromArray(f, buf, acc + 240);
            for (int jj = 0; jj < n; jj++) {
                FloatVector x = FloatVector.fromArray(f, buf, v + jj * headDim);
                int r = pq + jj * TILE_QUERIES;
                c0 = FloatVector.broadcast(f, buf[r]).fma(x, c0);
                c1 = FloatVector.broadcast(f, buf[r + 1]).fma(x, c1);
                c2 = FloatVector.broadcast(f, buf[r + 2]).fma(x, c2);
                c3 = FloatVector.broadcast(f, buf[r + 3]).fma(x, c3);
                c4 = FloatVector.broadcast(f, buf[r + 4]).fma(x, c4);
                c5 = FloatVector.broadcast(f, buf[r + 5]).fma(x, c5);
                c6 = FloatVector.broadcast(f, buf[r + 6]).fma(x, c6);
                c7 = FloatVector.broadcast(f, buf[r + 7]).fma(x, c7);
                c8 = FloatVector.broadcast(f, buf[r + 8]).fma(x, c8);
                c9 = FloatVector.broadcast(f, buf[r + 9]).fma(x, c9);
                c10 = FloatVector.broadcast(f, buf[r + 10]).fma(x, c10);
                c11 = FloatVector.broadcast(f, buf[r + 11]).fma(x, c11);
                c12 = FloatVector.broadcast(f, buf[r + 12]).fma(x, c12);
                c13 = FloatVector.broadcast(f, buf[r + 13]).fma(x, c13);
                c14 = FloatVector.broadcast(f, buf[r + 14]).fma(x, c14);
                c15 = FloatVector.broadcast(f, buf[r + 15]).fma(x, c15);
            }
            c0.intoArray(buf, acc);
            c1.intoArray(buf, acc + 16);
            c2.intoArray(buf, acc + 32);
            c3.intoArray(buf, acc + 48);
            c4.intoArray(buf, acc + 64);
            c5.intoArray(buf, acc + 80);
            c6.intoArray(buf, acc + 96);
            c7.intoArray(buf, acc + 112);
            c8.intoArray(buf, acc + 128);
            c9.intoArray(buf, acc + 144);
            c10.intoArray(buf, acc + 160);
            c11.intoArray(buf, acc + 176);
            c12.intoArray(buf, acc + 192);
            c13.intoArray(buf, acc + 208);
            c14.intoArray(buf, acc + 224);
            c15.intoArray(buf, acc + 240);
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
                        .convertShape(VectorOperators.S2I, Simd.I512, 0));
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
                        .convertShape(VectorOperators.S2I, Simd.I256, 0));
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
    private static void accumulate512(MemorySegment values, KvSequence seq, int bs, long blockStride, int rowStride,
            long off, boolean half, float[] p, int second, int pos, float[] out, int oa, int ob) {
        FloatVector accA = FloatVector.zero(Simd.F512);
        FloatVector accB = accA;
        for (int j0 = 0; j0 <= pos; j0 += bs) {
            long row0 = seq.block(j0 / bs) * blockStride + off;
            for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                long at = row0 + (long) (j - j0) * rowStride;
                FloatVector v;
                if (half) {
                    v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S256, values, 2 * at, Simd.LE)
                            .convertShape(VectorOperators.S2I, Simd.I512, 0));
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

    private static void accumulate256(MemorySegment values, KvSequence seq, int bs, long blockStride, int rowStride,
            long off, boolean half, float[] p, int second, int pos, float[] out, int oa, int ob) {
        FloatVector accA = FloatVector.zero(Simd.F256);
        FloatVector accB = accA;
        for (int j0 = 0; j0 <= pos; j0 += bs) {
            long row0 = seq.block(j0 / bs) * blockStride + off;
            for (int j = j0, end = Math.min(pos, j0 + bs - 1); j <= end; j++) {
                long at = row0 + (long) (j - j0) * rowStride;
                FloatVector v;
                if (half) {
                    v = Simd.halfToFloat((IntVector) ShortVector.fromMemorySegment(Simd.S128, values, 2 * at, Simd.LE)
                            .convertShape(VectorOperators.S2I, Simd.I256, 0));
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
