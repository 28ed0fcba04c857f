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
 * @param maxQueue       most waiting requests before submit rejects
 * @param prefixCaching  share KV blocks of identical prompt prefixes
 * @param kernels        "simd" (fast) or "reference" (scalar oracle)
 * @param chatTemplate   "auto" (recognize the file's), "qwen3" or "chatml"
 * @param warmupMillis   time spent at start-up running the SIMD kernels so the JIT compiles them
 *                       before the first request (Vector API code runs hundreds of times slower until
 *                       C2 has compiled it); 0 = none
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
        int maxQueue,
        boolean prefixCaching,
        String kernels,
        String chatTemplate,
        long warmupMillis) {

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
        check(maxQueue >= 0, "max queue must be >= 0, got " + maxQueue);
        check(kernels.equals("simd") || kernels.equals("reference"), "kernels must be simd or reference, got " + kernels);
        check(warmupMillis >= 0, "warm-up time must be >= 0, got " + warmupMillis);
        check(chatTemplate.equals("auto") || chatTemplate.equals("qwen3") || chatTemplate.equals("chatml"),
                "chat template must be auto, qwen3 or chatml, got " + chatTemplate);
    }

    public static EngineConfig defaults(Path model) {
        return new EngineConfig(model, 0, 0, 0, KvType.F16, 16, 16, 256, 256, true, "simd", "auto", 0);
    }

    public EngineConfig withThreads(int value) {
        return new EngineConfig(model, value, contextLength, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, chatTemplate, warmupMillis);
    }

    public EngineConfig withContextLength(int value) {
        return new EngineConfig(model, threads, value, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, chatTemplate, warmupMillis);
    }

    public EngineConfig withKvCacheTokens(long value) {
        return new EngineConfig(model, threads, contextLength, value, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, chatTemplate, warmupMillis);
    }

    public EngineConfig withKernels(String value) {
        return new EngineConfig(model, threads, contextLength, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, value, chatTemplate, warmupMillis);
    }

    public EngineConfig withScheduling(int running, int budget, int queue, boolean prefix) {
        return new EngineConfig(model, threads, contextLength, kvCacheTokens, kvType, kvBlockSize, running,
                budget, queue, prefix, kernels, chatTemplate, warmupMillis);
    }

    public EngineConfig withKvType(KvType value) {
        return new EngineConfig(model, threads, contextLength, kvCacheTokens, value, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, chatTemplate, warmupMillis);
    }

    public EngineConfig withChatTemplate(String value) {
        return new EngineConfig(model, threads, contextLength, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, value, warmupMillis);
    }

    public EngineConfig withWarmup(long millis) {
        return new EngineConfig(model, threads, contextLength, kvCacheTokens, kvType, kvBlockSize, maxRunning,
                stepTokens, maxQueue, prefixCaching, kernels, chatTemplate, millis);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
