package io.jllm.engine.api;

import io.jllm.engine.kv.KvType;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything that shapes a running engine; every field is a command-line option of the tools
 * that start one. Zero means "choose for me" where noted.
 *
 * @param model          the GGUF file
 * @param threads        compute threads (platform threads, the caller included); 0 = all cores
 * @param contextLength  most tokens per sequence; 0 = the model's, capped at 8192 and by the KV cache
 * @param kvCacheTokens  token slots in the paged KV cache pool; 0 = 16384 (at least the context),
 *                       capped at a quarter of the memory the JVM may use off-heap or free
 * @param kvType         element type of cached keys and values
 * @param kvBlockSize    tokens per KV block
 * @param maxRunning     most sequences per step
 * @param stepTokens     token budget per step (decode tokens, then prefill chunks)
 * @param stepMillis     time budget per step: prefill chunks are cut so a step takes about this long
 *                       (at the measured prefill speed), keeping decoding sequences' inter-token
 *                       latency bounded while a long prompt is processed; 0 = token budget only
 * @param maxQueue       most waiting requests before submit rejects
 * @param prefixCaching  share KV blocks of identical prompt prefixes
 * @param kernels        "simd" (fast) or "reference" (scalar oracle)
 * @param chatTemplate   "auto" (recognize the file's), "qwen3" or "chatml"
 * @param warmupMillis   least time spent at start-up running the SIMD kernels so the JIT compiles
 *                       them before the first request (Vector API code runs hundreds of times slower
 *                       until C2 has compiled it); the warm-up then goes on until a round of passes
 *                       allocates nothing, up to six times this ({@code Qwen3Forward.warmUp}); 0 = none
 */
public record EngineConfig(
        Path model,
        int threads,
        int contextLength,
        long kvCacheTokens,
        KvType kvType,
        int kvBlockSize,
        int maxRunning,
        int stepTokens,
        long stepMillis,
        int maxQueue,
        boolean prefixCaching,
        String kernels,
        String chatTemplate,
        long warmupMillis) {
    /** The longest least warm-up time (an hour): the warm-up may run six times it, in nanoseconds. */
    public static final long MAX_WARMUP_MILLIS = 3_600_000;


    public EngineConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kvType, "kvType");
        check(threads >= 0, "threads must be >= 0 (0 = all cores), got " + threads);
        check(contextLength >= 0, "context length must be >= 0 (0 = the model's), got " + contextLength);
        check(kvCacheTokens >= 0, "KV cache size must be >= 0 (0 = automatic), got " + kvCacheTokens);
        check(kvBlockSize >= 1 && kvBlockSize <= 1024, "KV block size must be in [1, 1024], got " + kvBlockSize);
        check(maxRunning >= 1, "max running sequences must be >= 1, got " + maxRunning);
        check(stepTokens >= maxRunning, "step token budget (" + stepTokens + ") must be >= max running sequences ("
                + maxRunning + ")");
        check(stepMillis >= 0, "step time budget must be >= 0 ms (0 = none), got " + stepMillis);
        check(maxQueue >= 0, "max queue must be >= 0, got " + maxQueue);
        check(kernels.equals("simd") || kernels.equals("reference"), "kernels must be simd or reference, got " + kernels);
        check(warmupMillis >= 0 && warmupMillis <= MAX_WARMUP_MILLIS, "warm-up time must be between 0 and "
                + MAX_WARMUP_MILLIS + " ms, got " + warmupMillis);
        check(chatTemplate.equals("auto") || chatTemplate.equals("qwen3") || chatTemplate.equals("chatml"),
                "chat template must be auto, qwen3 or chatml, got " + chatTemplate);
    }

    /** 16 sequences, 256 tokens and 500 ms per step, 256 waiting, F16 KV in blocks of 16, prefix caching. */
    public static EngineConfig defaults(Path model) {
        return new EngineConfig(model, 0, 0, 0, KvType.F16, 16, 16, 256, 500, 256, true, "simd", "auto", 0);
    }

    public EngineConfig withThreads(int value) {
        return toBuilder().threads(value).build();
    }

    public EngineConfig withContextLength(int value) {
        return toBuilder().contextLength(value).build();
    }

    public EngineConfig withKvCacheTokens(long value) {
        return toBuilder().kvCacheTokens(value).build();
    }

    public EngineConfig withKvType(KvType value) {
        return toBuilder().kvType(value).build();
    }

    public EngineConfig withKernels(String value) {
        return toBuilder().kernels(value).build();
    }

    public EngineConfig withChatTemplate(String value) {
        return toBuilder().chatTemplate(value).build();
    }

    public EngineConfig withWarmup(long millis) {
        return toBuilder().warmupMillis(millis).build();
    }

    public EngineConfig withStepMillis(long millis) {
        return toBuilder().stepMillis(millis).build();
    }

    /** Max running sequences, step token budget, max waiting requests and prefix caching at once. */
    public EngineConfig withScheduling(int running, int budget, int queue, boolean prefix) {
        return toBuilder().maxRunning(running).stepTokens(budget).maxQueue(queue).prefixCaching(prefix).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some fields of a config; {@link #build()} validates the result. */
    public static final class Builder {
        private Path model;
        private int threads;
        private int contextLength;
        private long kvCacheTokens;
        private KvType kvType;
        private int kvBlockSize;
        private int maxRunning;
        private int stepTokens;
        private long stepMillis;
        private int maxQueue;
        private boolean prefixCaching;
        private String kernels;
        private String chatTemplate;
        private long warmupMillis;

        private Builder(EngineConfig c) {
            model = c.model;
            threads = c.threads;
            contextLength = c.contextLength;
            kvCacheTokens = c.kvCacheTokens;
            kvType = c.kvType;
            kvBlockSize = c.kvBlockSize;
            maxRunning = c.maxRunning;
            stepTokens = c.stepTokens;
            stepMillis = c.stepMillis;
            maxQueue = c.maxQueue;
            prefixCaching = c.prefixCaching;
            kernels = c.kernels;
            chatTemplate = c.chatTemplate;
            warmupMillis = c.warmupMillis;
        }

        public Builder threads(int v) { threads = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder kvCacheTokens(long v) { kvCacheTokens = v; return this; }
        public Builder kvType(KvType v) { kvType = v; return this; }
        public Builder kvBlockSize(int v) { kvBlockSize = v; return this; }
        public Builder maxRunning(int v) { maxRunning = v; return this; }
        public Builder stepTokens(int v) { stepTokens = v; return this; }
        public Builder stepMillis(long v) { stepMillis = v; return this; }
        public Builder maxQueue(int v) { maxQueue = v; return this; }
        public Builder prefixCaching(boolean v) { prefixCaching = v; return this; }
        public Builder kernels(String v) { kernels = v; return this; }
        public Builder chatTemplate(String v) { chatTemplate = v; return this; }
        public Builder warmupMillis(long v) { warmupMillis = v; return this; }

        public EngineConfig build() {
            return new EngineConfig(model, threads, contextLength, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                    stepTokens, stepMillis, maxQueue, prefixCaching, kernels, chatTemplate, warmupMillis);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
