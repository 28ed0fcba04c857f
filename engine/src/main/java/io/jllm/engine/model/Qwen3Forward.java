package io.jllm.engine.model;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.BatchGranularity;
import io.jllm.engine.kernel.Attention;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.MatMulKernel;
import io.jllm.engine.kernel.Norms;
import io.jllm.engine.kernel.Rope;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.gguf.GgmlType;
import io.jllm.gguf.quant.QuantCodec;
import java.lang.foreign.MemorySegment;

/**
 * One forward pass of Qwen3 over a {@link ForwardBatch}: the graph of llama.cpp's qwen3 model
 * (src/models/qwen3.cpp), in data-flow order.
 *
 * <pre>
 *   x = token_embd[token]
 *   for each layer:
 *     h = rmsnorm(x) ; q,k,v = h·Wq, h·Wk, h·Wv
 *     q,k = rmsnorm per head (q_norm, k_norm) ; rope(q,k, position) ; cache k,v
 *     x += attention(q, cached k,v of the token's own sequence) · Wo
 *     h = rmsnorm(x) ; x += (silu(h·Wgate) * (h·Wup)) · Wdown
 *   logits = rmsnorm(x) · output (the tied token_embd)
 * </pre>
 *
 * <p>Every matrix product runs once for the whole batch (each weight row is read once per step
 * and applied to every token), split by rows across the compute pool; attention is split by
 * (token, KV head). All buffers are allocated here, once, for the largest batch: the token loop
 * allocates nothing. Not thread-safe: one scheduler thread drives it.
 */
public final class Qwen3Forward {
    /** Tokens per chunk of the RMSNorm op: {@link Norms#rmsNormRows} runs four rows' sums side by side. */
    private static final int NORM_ROWS = 4;

    private final Qwen3Config c;
    private final Qwen3Weights w;
    private final KernelSet kernels;
    private final ComputePool pool;
    private final PagedKvCache cache;
    private final int maxTokens;
    private final int maxLogitRows;
    private final QuantCodec embeddingCodec;

    private final float[] x;
    private final float[] xn;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] att;
    private final float[] tmp;
    private final float[] gate;
    private final float[] up;
    private final float[] rope;
    private final float[] logits;
    private final float[][] scores;
    private final Activations act;
    private final float attnScale;

    /**
     * Passes per warm-up round: 8 prefill passes (every size once) and 8 decode passes (every width
     * at least once). Once compiled, 2.2-2.8 s on 2 cores for a Q4_0 file of Qwen3-0.6B, 50-80 ms
     * for the tiny model; uncompiled, up to ten times that.
     */
    static final int ROUND_PASSES = 16;
    /**
     * Large chunks before the tapered tail, per thread, in a matmul: the matrix-vector kernels
     * stream each chunk's two halves, and long streams are what they need from memory. With 8 per
     * thread and at most 512 rows, tg128 took 21.0-21.2 ms per token on the AVX-512 EPYC; with 2
     * and no limit 15.9-16.4 (the LM head 5.1 -> 3.7 ms), with 32 24.3-24.4 (bench/KERNELS.md,
     * twenty-seventh session). Prefill and 8-sequence decode steps ran alike either way.
     */
    static final int CHUNKS_PER_THREAD = 2;
    /**
     * A warm-up round allocating less than this (all threads) is settled: a round with an
     * uncompiled kernel allocates megabytes (one boxed vector per op), a compiled one nothing, and
     * the margin leaves room for whatever else the process does meanwhile (the server's listener).
     */
    static final long SETTLED_BYTES = 1L << 20;
    private static final com.sun.management.ThreadMXBean ALLOCATION = allocationCounter();

    private static com.sun.management.ThreadMXBean allocationCounter() {
        if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t;
        }
        return null;
    }

    /** Tokens per attention tile (the kernels' query tile), the unit {@link #planAttentionRanges} cuts at. */
    private final int attentionTile;
    /** Attention ranges per run of one sequence, so that the pool's threads share a long prefill. */
    private final int rangesPerRun;
    private final int[] rangeStart;
    private final int[] rangeLength;
    private final MatMulOp matmulOp = new MatMulOp();
    private final PointwiseOp pointwiseOp = new PointwiseOp();
    private final AttentionOp attentionOp = new AttentionOp();
    private ForwardBatch batch;
    private int layer;
    /** Per pool member: one head's keys or values as halves on their way into the cache. */
    private final short[][] kvScratch;
    private ForwardProfile profile;

    /**
     * @param maxTokens     the most tokens one batch may hold
     * @param maxLogitRows  the most tokens per batch that want logits
     */
    public Qwen3Forward(Qwen3Config c, Qwen3Weights w, KernelSet kernels, ComputePool pool, PagedKvCache cache,
            int maxTokens, int maxLogitRows) {
        if (cache.layers() != c.layers() || cache.kvHeads() != c.kvHeads() || cache.headDim() != c.headDim()) {
            throw new IllegalArgumentException("the KV cache holds " + cache.layers() + " layers of " + cache.kvHeads()
                    + " heads of " + cache.headDim() + "; the model needs " + c.layers() + " of " + c.kvHeads()
                    + " of " + c.headDim());
        }
        this.c = c;
        this.w = w;
        this.kernels = kernels;
        this.pool = pool;
        this.cache = cache;
        this.maxTokens = maxTokens;
        this.maxLogitRows = maxLogitRows;
        this.embeddingCodec = w.tokenEmbedding.type().codec();
        int widest = Math.max(Math.max(c.dim(), c.qDim()), c.ffnDim());
        this.x = new float[maxTokens * c.dim()];
        this.xn = new float[maxTokens * c.dim()];
        this.q = new float[maxTokens * c.qDim()];
        this.k = new float[maxTokens * c.kvDim()];
        this.v = new float[maxTokens * c.kvDim()];
        this.att = new float[maxTokens * c.qDim()];
        this.tmp = new float[maxTokens * c.dim()];
        this.gate = new float[maxTokens * c.ffnDim()];
        this.up = new float[maxTokens * c.ffnDim()];
        this.rope = new float[maxTokens * c.headDim()];
        this.logits = new float[maxLogitRows * c.vocabSize()];
        int positions = Math.min(c.contextLength(), cache.totalBlocks() * cache.blockSize());
        // room for a whole tile of queries (tokens x heads of a group) and every position's key and
        // value as floats: the SIMD attention then converts each once per range and reads it once
        // per tile (and at least twice the positions: two heads per pass)
        this.attentionTile = Attention.tileTokens(c.groupSize());
        int tileScratch = Attention.tileScratch(positions - 1, c.headDim());
        this.kvScratch = new short[pool.size()][cache.headDim()];
        this.scores = new float[pool.size()][];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Attention.newScratch(Math.max(2 * positions, tileScratch));
        }
        this.rangeStart = new int[maxTokens];
        this.rangeLength = new int[maxTokens];
        // two ranges of about equal cost per KV head and thread at 8 KV heads (Qwen3-0.6B): a thread
        // that falls behind leaves the other a sixteenth of the op, not an eighth
        this.rangesPerRun = Math.max(1, (8 * pool.size() + c.kvHeads() - 1) / c.kvHeads());
        this.act = new Activations(maxTokens * widest);
        this.attnScale = 1.0f / (float) Math.sqrt(c.headDim());
    }

    public Qwen3Config config() {
        return c;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int maxLogitRows() {
        return maxLogitRows;
    }

    /** How a batch's cost grows with its size, judged by the FFN matrices (most of every layer's work). */
    public BatchGranularity batchGranularity() {
        return kernels.batchGranularity(w.layers[0].ffnGate().type());
    }

    /**
     * Runs forward passes over dummy tokens for at least {@code minMillis} milliseconds, with the batch
     * shapes serving uses, so that the JIT has compiled every path before real requests come:
     * Vector API code is hundreds of times slower until C2 has compiled it, and allocates as it
     * goes. Prefill chunks of one sequence (1 to 64 tokens, odd sizes included) alternate with
     * decode steps of 2 to 8 sequences, each wanting logits. Every branch the kernels take in
     * serving should be seen here first: C2 compiles a branch it never saw as a trap, and taking it
     * later throws the compiled kernel away for seconds of interpreted vector code (measured with
     * {@code -Xlog:deoptimization}: a batch of 2 tokens first seen mid-run did that). Call before
     * the scheduler starts; uses and returns a few cache blocks.
     *
     * <p>A fixed time is not enough on a small machine, where C2's compiler threads share the cores
     * with the passes: with 5 s on 2 cores and a Q4_0 file, the first generations after it still ran
     * the batched GEMM, the attention tiles, SwiGLU and RoPE uncompiled (JFR allocation samples,
     * 2-3 GB of boxed vectors over 2 s), and G1 grew its heap for that garbage by up to 900 MB,
     * which it then kept. So with kernels that allocate nothing once compiled ({@link
     * KernelSet#allocationFreeWhenCompiled}) the warm-up goes on after {@code minMillis} in whole
     * rounds of every shape until a round allocates (all threads together) under {@link
     * #SETTLED_BYTES}, for at most {@code maxMillis}.
     *
     * @return what it did; {@link WarmUp#settled} is false where the kernels were still allocating
     *         when time ran out (a JVM whose C2 compiled a kernel into its Java fallbacks stays so)
     */
    public WarmUp warmUp(long minMillis, long maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("warm-up of " + minMillis + " to " + maxMillis + " ms");
        }
        long start = System.nanoTime();
        int widest = Math.min(maxTokens, 64);
        int[] prefill = {1, 3, 5, 13, Math.min(widest, 32), widest, 2, 9};
        int[] decode = {8, 2, 5, 3, 4, 7};
        KvSequence[] seqs = new KvSequence[8];
        ForwardBatch b = new ForwardBatch(widest);
        int ready = 0;
        try {
            // as many sequences as the cache holds (a small cache warms up with fewer)
            while (ready < seqs.length) {
                seqs[ready] = new KvSequence(cache);
                if (!seqs[ready].reserve(widest)) {
                    break;
                }
                ready++;
            }
            if (ready == 0) {
                return WarmUp.NONE;
            }
            long min = start + minMillis * 1_000_000L;
            long max = start + maxMillis * 1_000_000L;
            boolean watch = kernels.allocationFreeWhenCompiled() && allocatedBytes() >= 0;
            long roundStart = allocatedBytes();
            long lastRound = -1;
            boolean settled = false;
            int i = 0;
            for (; ; i++) {
                long now = System.nanoTime();
                if (watch && i > 0 && i % ROUND_PASSES == 0) {
                    long allocated = allocatedBytes();
                    lastRound = allocated - roundStart;
                    roundStart = allocated;
                    if (now >= min && lastRound < SETTLED_BYTES) {
                        settled = true;
                        break;
                    }
                }
                if (now >= (watch ? max : min)) {
                    if (watch && i % ROUND_PASSES != 0) {
                        // out of time inside a round: report that round so far, not the one before
                        lastRound = allocatedBytes() - roundStart;
                    }
                    break;
                }
                b.clear();
                if (i % 2 == 0) {
                    int n = prefill[i / 2 % prefill.length];
                    for (int t = 0; t < n; t++) {
                        b.add((t * 7919 + i) % c.vocabSize(), t, seqs[0], t == n - 1);
                    }
                } else {
                    int k = Math.min(Math.min(decode[i / 2 % decode.length], maxLogitRows), Math.min(widest, ready));
                    for (int s = 0; s < k; s++) {
                        // positions past a prefill of the same sequence: decode attention over a few blocks
                        b.add((s * 7919 + i) % c.vocabSize(), widest - 1 - (i + s) % Math.max(1, widest / 2), seqs[s],
                                true);
                    }
                }
                forward(b);
            }
            return new WarmUp((System.nanoTime() - start) / 1_000_000, i, settled, lastRound);
        } finally {
            for (KvSequence seq : seqs) {
                if (seq != null) {
                    seq.release();
                }
            }
        }
    }

    /**
     * {@link #warmUp(long, long)} for at least {@code millis}, at most six times that: with 5 s, a
     * Q4_0 file of Qwen3-0.6B on 2 cores still allocated at 20 s (its kernels compiled one after
     * another: the Q4_0 matrix-vector kernel, then the Q6_K LM head, then the batched kernels).
     */
    public WarmUp warmUp(long millis) {
        return warmUp(millis, 6 * millis);
    }

    /**
     * What {@link #warmUp} did: its time, its passes, whether its last round of passes ran without
     * allocating ({@code settled}), and what that round allocated (-1 where not measured).
     */
    public record WarmUp(long millis, int passes, boolean settled, long lastRoundBytes) {
        /** No warm-up ran (none asked for, or no cache block to run it with). */
        public static final WarmUp NONE = new WarmUp(0, 0, false, -1);
    }

    /** Bytes allocated so far by all threads, or -1 where the JVM does not count them. */
    private static long allocatedBytes() {
        return ALLOCATION != null ? ALLOCATION.getTotalThreadAllocatedBytes() : -1;
    }

    /** Attaches (or with null detaches) a profile that accumulates the time of each op. */
    public void setProfile(ForwardProfile profile) {
        this.profile = profile;
    }

    public ForwardProfile profile() {
        return profile;
    }

    /** Logits of the last pass: row {@code r} (see {@link ForwardBatch#add}) at {@code r * vocabSize}. */
    public float[] logits() {
        return logits;
    }

    /**
     * Runs the batch. Every sequence must already hold cache blocks for the positions it adds
     * ({@link KvSequence#reserve}); its length is advanced past them here.
     */
    public void forward(ForwardBatch b) {
        int n = b.size();
        if (n == 0) {
            return;
        }
        if (n > maxTokens || b.logitRows() > maxLogitRows) {
            throw new IllegalArgumentException("batch of " + n + " tokens / " + b.logitRows()
                    + " logit rows exceeds " + maxTokens + " / " + maxLogitRows);
        }
        this.batch = b;
        ForwardProfile p = profile;
        long t0 = p == null ? 0 : System.nanoTime();
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            int token = b.tokens[t];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside the vocabulary of " + c.vocabSize());
            }
            embeddingCodec.dequantize(w.tokenEmbedding.data(), w.tokenEmbedding.rowOffset(token), x, t * dim, dim);
            Rope.table(b.positions[t], c.headDim(), c.ropeBase(), c.ropeFreqScale(), rope, t * c.headDim());
        }
        t0 = p == null ? 0 : p.add(ForwardProfile.Op.EMBED, t0);
        for (layer = 0; layer < c.layers(); layer++) {
            Qwen3Weights.Layer lw = w.layers[layer];
            rmsNormRows(x, xn, n, dim, lw.attnNorm());
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.NORM, t0);
            t0 = matmul(xn, n, dim, lw.wq(), q, lw.wk(), k, lw.wv(), v, ForwardProfile.Op.MATMUL_QKV, t0);
            normAndRope(n, lw);
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.QK_NORM_ROPE, t0);
            storeKv(n);
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.KV_STORE, t0);
            int ranges = planAttentionRanges(b, n);
            pool.run(attentionOp, ranges * c.kvHeads());
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.ATTENTION, t0);
            t0 = matmul(att, n, c.qDim(), lw.wo(), tmp, null, null, null, null, ForwardProfile.Op.MATMUL_O, t0);
            addInPlace(x, tmp, n * dim);
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.RESIDUAL, t0);

            rmsNormRows(x, xn, n, dim, lw.ffnNorm());
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.NORM, t0);
            t0 = matmul(xn, n, dim, lw.ffnGate(), gate, lw.ffnUp(), up, null, null, ForwardProfile.Op.MATMUL_GATE_UP, t0);
            swiglu(n * c.ffnDim());
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.SWIGLU, t0);
            t0 = matmul(gate, n, c.ffnDim(), lw.ffnDown(), tmp, null, null, null, null, ForwardProfile.Op.MATMUL_DOWN, t0);
            addInPlace(x, tmp, n * dim);
            t0 = p == null ? 0 : p.add(ForwardProfile.Op.RESIDUAL, t0);
        }
        int rows = b.logitRows();
        for (int r = 0; r < rows; r++) {
            int t = b.rowToken[r];
            Norms.rmsNorm(x, t * dim, xn, r * dim, dim, w.outputNorm.data(), c.rmsEps());
        }
        if (rows > 0) {
            t0 = matmul(xn, rows, dim, w.output, logits, null, null, null, null, ForwardProfile.Op.LM_HEAD, t0);
        }
        for (int t = 0; t < n; t++) {
            KvSequence s = b.sequences[t];
            if (s.length() < b.positions[t] + 1) {
                s.setLength(b.positions[t] + 1);
            }
        }
        if (p != null) {
            p.pass(n);
        }
        this.batch = null;
    }

    private void rmsNormRows(float[] in, float[] out, int n, int dim, WeightTensor weight) {
        PointwiseOp op = pointwiseOp;
        op.kind = PointwiseOp.NORM;
        op.in = in;
        op.out = out;
        op.dim = dim;
        op.weight = weight.data();
        op.count = n;
        pool.run(op, (n + NORM_ROWS - 1) / NORM_ROWS);
    }

    private void normAndRope(int n, Qwen3Weights.Layer lw) {
        PointwiseOp op = pointwiseOp;
        op.kind = PointwiseOp.QK_NORM_ROPE;
        op.weight = lw.qNorm().data();
        op.weight2 = lw.kNorm().data();
        pool.run(op, n);
    }

    /**
     * Each token's keys and values into the cache, tokens split over the pool: a seed-workload step
     * spent 6.4 ms of 117 storing them on one thread. Most of that is the page faults of fresh
     * cache blocks (about 20 us a page on the VM measured, bench/KERNELS.md), which both cores now
     * take in parallel.
     */
    private void storeKv(int n) {
        PointwiseOp op = pointwiseOp;
        op.kind = PointwiseOp.KV_STORE;
        pool.run(op, n);
    }

    private void swiglu(int count) {
        PointwiseOp op = pointwiseOp;
        op.kind = PointwiseOp.SWIGLU;
        op.count = count;
        // a few thousand elements (a few microseconds even with a vector exp) per chunk: worth a hand-off
        op.chunkSize = Math.max(4096, (count / (2 * pool.size()) + 15) & ~15);
        pool.run(op, (count + op.chunkSize - 1) / op.chunkSize);
    }

    /**
     * The per-token and per-element ops (norms, Q/K norm and RoPE, the KV store, SwiGLU), split
     * over the pool like the matmuls: each token or element range is computed exactly as one
     * thread would, so the bits do not depend on the split. On one thread they were an eighth of a
     * prefill pass.
     */
    private final class PointwiseOp implements ComputePool.Task {
        static final int NORM = 0;
        static final int QK_NORM_ROPE = 1;
        static final int SWIGLU = 2;
        static final int KV_STORE = 3;
        int kind;
        float[] in;
        float[] out;
        int dim;
        MemorySegment weight;
        MemorySegment weight2;
        int count;
        int chunkSize;

        @Override
        public void run(int chunk, int member) {
            switch (kind) {
                case NORM -> {
                    int t = chunk * NORM_ROWS;
                    Norms.rmsNormRows(in, t * dim, out, t * dim, dim, Math.min(NORM_ROWS, count - t), dim, weight,
                            c.rmsEps());
                }
                case QK_NORM_ROPE -> normAndRope(chunk);
                case KV_STORE -> cache.store(layer, batch.sequences[chunk].slot(batch.positions[chunk]), k,
                        chunk * c.kvDim(), v, chunk * c.kvDim(), kvScratch[member]);
                default -> swiglu(chunk * chunkSize, Math.min(count, (chunk + 1) * chunkSize));
            }
        }

        private void normAndRope(int t) {
            int hd = c.headDim();
            int qOff = t * c.qDim();
            Norms.rmsNormRows(q, qOff, q, qOff, hd, c.heads(), hd, weight, c.rmsEps());
            Rope.applyHeads(q, qOff, c.heads(), hd, rope, t * hd);
            int kOff = t * c.kvDim();
            Norms.rmsNormRows(k, kOff, k, kOff, hd, c.kvHeads(), hd, weight2, c.rmsEps());
            Rope.applyHeads(k, kOff, c.kvHeads(), hd, rope, t * hd);
        }

        private void swiglu(int from, int to) {
            kernels.swiglu(gate, up, from, to);
        }
    }

    private static void addInPlace(float[] acc, float[] add, int count) {
        for (int i = 0; i < count; i++) {
            acc[i] += add[i];
        }
    }

    /**
     * Up to three products of the same input (Q/K/V, gate/up) in one dispatch. The activations
     * are converted once; all three must read the same activation format, else they run apart.
     */
    /** As {@link #matmul(float[], int, int, WeightTensor, float[], WeightTensor, float[], WeightTensor, float[])}, timed as {@code op}; returns the time now. */
    private long matmul(float[] in, int n, int cols, WeightTensor w1, float[] y1, WeightTensor w2, float[] y2,
            WeightTensor w3, float[] y3, ForwardProfile.Op op, long start) {
        ForwardProfile p = profile;
        if (p == null) {
            matmul(in, n, cols, w1, y1, w2, y2, w3, y3);
            return 0;
        }
        quantizeNanos = 0;
        matmul(in, n, cols, w1, y1, w2, y2, w3, y3);
        long now = System.nanoTime();
        // the activation conversion was timed inside; the rest of the time is the product's
        p.addNanos(ForwardProfile.Op.QUANTIZE, quantizeNanos);
        p.addNanos(op, now - start - quantizeNanos);
        return now;
    }

    /** Time spent converting activations in the current timed matmul. */
    private long quantizeNanos;

    private void matmul(float[] in, int n, int cols, WeightTensor w1, float[] y1, WeightTensor w2, float[] y2,
            WeightTensor w3, float[] y3) {
        GgmlType format = KernelSet.activationFormat(w1.type());
        boolean shared = (w2 == null || KernelSet.activationFormat(w2.type()) == format)
                && (w3 == null || KernelSet.activationFormat(w3.type()) == format);
        if (!shared) {
            matmul(in, n, cols, w1, y1, null, null, null, null);
            if (w2 != null) {
                matmul(in, n, cols, w2, y2, null, null, null, null);
            }
            if (w3 != null) {
                matmul(in, n, cols, w3, y3, null, null, null, null);
            }
            return;
        }
        if (profile != null) {
            long start = System.nanoTime();
            kernels.quantize(w1.type(), in, n, cols, act, pool);
            quantizeNanos += System.nanoTime() - start;
        } else {
            kernels.quantize(w1.type(), in, n, cols, act, pool);
        }
        MatMulOp op = matmulOp;
        op.parts = 0;
        op.add(w1, y1);
        if (w2 != null) {
            op.add(w2, y2);
        }
        if (w3 != null) {
            op.add(w3, y3);
        }
        op.plan(n, pool.size());
        pool.run(op, op.chunks);
    }

    /**
     * Rows of up to three matrices, cut into chunks that threads claim one at a time. The last
     * {@code threads} chunks' worth of rows go in chunks a quarter as long: chunks are claimed in
     * order, so a thread that finishes early takes small pieces of the tail instead of waiting
     * for the others' last full chunks (with 8 equal chunks per thread each op's end left a
     * thread idle for half a chunk on average, about 6 % of the op). Measured end to end it is
     * within this machine's noise: pp512 0.76-0.82x of llama.cpp before, 0.79-0.86x after (three
     * alternating runs each).
     */
    private final class MatMulOp implements ComputePool.Task {
        final WeightTensor[] weights = new WeightTensor[3];
        final float[][] outputs = new float[3][];
        final MatMulKernel[] kernel = new MatMulKernel[3];
        int parts;
        int chunks;
        /** Per chunk: its matrix, first row and end row (written before the op is published). */
        int[] chunkPart = new int[0];
        int[] chunkStart = new int[0];
        int[] chunkEnd = new int[0];

        void add(WeightTensor wt, float[] y) {
            weights[parts] = wt;
            outputs[parts] = y;
            kernel[parts] = kernels.matmul(wt.type());
            parts++;
        }

        void plan(int tokens, int threads) {
            int totalRows = 0;
            for (int i = 0; i < parts; i++) {
                totalRows += weights[i].rows();
            }
            // Few large chunks (CHUNKS_PER_THREAD), then a tail of quarter-size ones so that the
            // threads finish together; a multiple of 16 rows so SIMD kernels can work on groups of
            // rows (tail chunks at least 32 where chunks are larger: the prefill GEMM's row tile).
            int target = Math.max(1, totalRows / (threads * CHUNKS_PER_THREAD));
            int chunkRows = Math.max(16, (target + 15) / 16 * 16);
            int tailRows = Math.min(chunkRows, Math.max(32, chunkRows / 4 / 16 * 16));
            int tail = threads > 1 ? threads * chunkRows : 0;
            int most = parts * 3 + totalRows / 16 + 4;
            if (chunkPart.length < most) {
                chunkPart = new int[most];
                chunkStart = new int[most];
                chunkEnd = new int[most];
            }
            chunks = 0;
            int before = 0;
            for (int i = 0; i < parts; i++) {
                int rows = weights[i].rows();
                for (int r = 0; r < rows; ) {
                    int size = before + r >= totalRows - tail ? tailRows : chunkRows;
                    int end = Math.min(rows, r + size);
                    chunkPart[chunks] = i;
                    chunkStart[chunks] = r;
                    chunkEnd[chunks] = end;
                    chunks++;
                    r = end;
                }
                before += rows;
            }
        }

        @Override
        public void run(int chunk, int member) {
            int part = chunkPart[chunk];
            WeightTensor wt = weights[part];
            kernel[part].matmul(wt, chunkStart[chunk], chunkEnd[chunk], act, outputs[part], wt.rows());
        }
    }

    /**
     * Cuts the batch into attention ranges: each run of tokens of one sequence at consecutive
     * positions (a prefill chunk; a decoding token alone) in up to {@link #rangesPerRun} parts of
     * whole tiles and about equal cost (a tile's cost grows with its last position). The kernels
     * convert each cached key and value once per range, not once per tile. Returns the count.
     */
    private int planAttentionRanges(ForwardBatch b, int n) {
        int ranges = 0;
        for (int t = 0; t < n; ) {
            int len = 1;
            while (t + len < n && b.sequences[t + len] == b.sequences[t]
                    && b.positions[t + len] == b.positions[t] + len) {
                len++;
            }
            int tiles = (len + attentionTile - 1) / attentionTile;
            int parts = Math.min(tiles, rangesPerRun);
            long pos0 = b.positions[t];
            long total = 0;
            for (int i = 0; i < tiles; i++) {
                total += pos0 + Math.min(len, (i + 1) * attentionTile);
            }
            long cost = 0;
            int start = 0;
            for (int i = 0, k = 1; i < tiles; i++) {
                cost += pos0 + Math.min(len, (i + 1) * attentionTile);
                if (i == tiles - 1 || cost * parts >= total * k) {
                    int end = Math.min(len, (i + 1) * attentionTile);
                    rangeStart[ranges] = t + start;
                    rangeLength[ranges] = end - start;
                    ranges++;
                    start = end;
                    k++;
                }
            }
            t += len;
        }
        return ranges;
    }

    /** One (attention range, KV head) per chunk. */
    private final class AttentionOp implements ComputePool.Task {
        @Override
        public void run(int chunk, int member) {
            int range = chunk / c.kvHeads();
            int kvHead = chunk % c.kvHeads();
            int t = rangeStart[range];
            ForwardBatch b = batch;
            kernels.attentionTile(cache, layer, b.sequences[t], b.positions[t], rangeLength[range], kvHead,
                    c.groupSize(), c.headDim(), attnScale, q, t * c.qDim(), c.qDim(), att, t * c.qDim(), c.qDim(),
                    scores[member]);
        }
    }
}
