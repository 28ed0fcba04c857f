package io.jllm.bench.speed;

import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.Kernels;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.engine.model.ForwardBatch;
import io.jllm.engine.model.ForwardProfile;
import io.jllm.engine.model.Qwen3Config;
import io.jllm.engine.model.Qwen3Forward;
import io.jllm.engine.model.Qwen3Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * jLLM's side of llama-bench, on the forward pass itself (no scheduler, no sampling), as llama-bench
 * drives llama_decode: pp = one forward pass over {@code n} random prompt tokens from an empty cache,
 * logits for the last token only (what llama_batch_get_one asks for); tg = {@code n} forward passes of
 * one random token each from an empty cache, logits every time, nothing sampled. F16 KV cache, as
 * llama-bench's default.
 */
final class ForwardBench implements AutoCloseable {
    private static final int BLOCK = 16;

    private final Qwen3Model model;
    private final Qwen3Config config;
    private final ComputePool pool;
    private final PagedKvCache cache;
    private final Qwen3Forward forward;
    private final ForwardBatch batch;
    private final SplittableRandom random = new SplittableRandom(1234);

    ForwardBench(Path file, int threads, int maxPrompt, int maxGen) throws IOException {
        this.model = Qwen3Model.open(file);
        try {
            this.config = model.config();
            int positions = Math.max(maxPrompt, maxGen);
            this.cache = new PagedKvCache(config.layers(), config.kvHeads(), config.headDim(), BLOCK, (positions + BLOCK - 1) / BLOCK,
                    KvType.F16);
            this.pool = new ComputePool(threads);
            int batchTokens = Math.max(1, maxPrompt);
            this.forward = new Qwen3Forward(config, model.weights(), Kernels.byName("simd"), pool, cache, batchTokens, 1);
            this.batch = new ForwardBatch(batchTokens);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** The engine's start-up warm-up (what the server runs before it serves), at least {@code millis} ms. */
    Qwen3Forward.WarmUp warmUp(long millis) {
        return forward.warmUp(millis);
    }

    /** Tokens per second of one pp run over {@code n} tokens. */
    double prompt(int n) {
        KvSequence seq = emptySequence(n);
        try {
            batch.clear();
            for (int i = 0; i < n; i++) {
                batch.add(randomToken(), i, seq, i == n - 1);
            }
            long t0 = System.nanoTime();
            forward.forward(batch);
            long t1 = System.nanoTime();
            return n / ((t1 - t0) / 1e9);
        } finally {
            batch.clear();
            seq.release();
        }
    }

    /** Tokens per second of one tg run of {@code n} single-token steps. */
    double generate(int n) {
        KvSequence seq = emptySequence(n);
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                batch.clear();
                batch.add(randomToken(), i, seq, true);
                forward.forward(batch);
            }
            long t1 = System.nanoTime();
            return n / ((t1 - t0) / 1e9);
        } finally {
            batch.clear();
            seq.release();
        }
    }

    /** Time per op of one pp run of {@code n} tokens (the forward pass's own profile; costs a little time). */
    ForwardProfile profilePrompt(int n) {
        ForwardProfile p = new ForwardProfile();
        forward.setProfile(p);
        try {
            prompt(n);
        } finally {
            forward.setProfile(null);
        }
        return p;
    }

    /** Time per op of one tg run of {@code n} steps. */
    ForwardProfile profileGenerate(int n) {
        ForwardProfile p = new ForwardProfile();
        forward.setProfile(p);
        try {
            generate(n);
        } finally {
            forward.setProfile(null);
        }
        return p;
    }

    /** A new sequence (an empty cache, as llama-bench clears it per test) with room for {@code n} positions. */
    private KvSequence emptySequence(int n) {
        KvSequence seq = new KvSequence(cache);
        if (!seq.reserve(n)) {
            seq.release();
            throw new IllegalStateException("KV cache too small for " + n + " tokens");
        }
        return seq;
    }

    private int randomToken() {
        return random.nextInt(config.vocabSize());
    }

    @Override
    public void close() {
        pool.close();
        cache.close();
        model.close();
    }
}
