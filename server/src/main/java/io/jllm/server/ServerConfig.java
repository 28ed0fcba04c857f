package io.jllm.server;

import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.kv.KvType;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything that shapes a running server; each field is a command-line option ({@link ServerOptions}).
 *
 * @param model        the Qwen3 GGUF to serve, or null for the synthetic demo model
 * @param host         address to listen on
 * @param port         port to listen on; 0 picks a free one
 * @param threads      compute threads; 0 = all cores
 * @param contextLength most tokens per sequence; 0 = the model's, capped at 8192
 * @param kvCache      KV cache size (tokens or bytes); {@link KvCacheSize#AUTO} lets the engine choose
 * @param kvType       KV cache element type
 * @param parallel     most sequences computed together
 * @param batchTokens  token budget of one scheduler step
 * @param maxQueue     most requests waiting to start; beyond it requests get 503
 * @param apiKey       required bearer token, or null for none
 * @param kernels      "simd" or "reference"
 * @param chatTemplate "auto", "qwen3" or "chatml"
 * @param maxBodyBytes largest request body accepted
 * @param drain        how long a graceful shutdown lets in-flight requests finish
 * @param ssePing      how long a stream may go without an event before it sends an SSE comment, to keep
 *                     proxies from timing out during a long prefill and to notice a client that left
 * @param stepMillis   time budget of one scheduler step: long prompts are processed in chunks that take
 *                     about this long, so running streams keep getting tokens meanwhile (0: token budget only)
 * @param warmupMillis how long the engine runs dummy forward passes while /health says loading, so the
 *                     JIT has compiled the kernels before the first request (0 = none)
 */
public record ServerConfig(
        Path model,
        String host,
        int port,
        int threads,
        int contextLength,
        KvCacheSize kvCache,
        KvType kvType,
        int parallel,
        int batchTokens,
        int maxQueue,
        String apiKey,
        String kernels,
        String chatTemplate,
        long maxBodyBytes,
        Duration drain,
        Duration ssePing,
        long stepMillis,
        long warmupMillis) {

    /** A comment every second while no token comes: well inside every common proxy idle timeout. */
    public static final Duration DEFAULT_SSE_PING = Duration.ofSeconds(1);

    public ServerConfig {
        check(host != null && !host.isBlank(), "--host must not be empty");
        check(port >= 0 && port <= 65535, "--port must be in [0, 65535], got " + port);
        check(threads >= 0, "--threads must be >= 0 (0 = all cores), got " + threads);
        check(contextLength >= 0, "--ctx must be >= 0 (0 = the model's), got " + contextLength);
        check(kvCache != null, "--kv-cache is required");
        check(kvType != null, "--kv-type is required");
        check(parallel >= 1, "--parallel must be >= 1, got " + parallel);
        check(batchTokens >= parallel, "--batch-tokens (" + batchTokens + ") must be >= --parallel (" + parallel
                + "): every running sequence needs one token per step");
        // The engine counts a request as waiting from submission until admission, so with a queue of
        // zero it would refuse every request, even on an idle server.
        check(maxQueue >= 1, "--max-queue must be >= 1 (requests are queued briefly even on an idle server), got "
                + maxQueue);
        check(apiKey == null || !apiKey.isBlank(), "--api-key must not be blank");
        check("simd".equals(kernels) || "reference".equals(kernels), "--kernels must be simd or reference, got "
                + kernels);
        check("auto".equals(chatTemplate) || "qwen3".equals(chatTemplate) || "chatml".equals(chatTemplate),
                "--chat-template must be auto, qwen3 or chatml, got " + chatTemplate);
        check(maxBodyBytes >= 1024, "--max-body must be at least 1024 bytes, got " + maxBodyBytes);
        check(drain != null && !drain.isNegative(), "--drain-seconds must be >= 0");
        check(ssePing != null && ssePing.toMillis() >= 1, "the SSE ping interval must be at least 1 ms");
        check(stepMillis >= 0, "--step-ms must be >= 0, got " + stepMillis);
        check(warmupMillis >= 0 && warmupMillis <= EngineConfig.MAX_WARMUP_MILLIS, "--warmup must be between 0 and "
                + EngineConfig.MAX_WARMUP_MILLIS + " ms (the warm-up runs up to 6x it), got " + warmupMillis);
    }

    /** The defaults of every option, serving {@code model} (null: the demo model). */
    public static ServerConfig defaults(Path model) {
        return new ServerConfig(model, "127.0.0.1", 8080, 0, 0, KvCacheSize.AUTO, KvType.F16, 16, 256, 256, null,
                "simd", "auto", 10L << 20, Duration.ofSeconds(30), DEFAULT_SSE_PING, 500, 5000);
    }

    /** Returns this config with another SSE ping interval (not a command-line option). */
    public ServerConfig withSsePing(Duration value) {
        return new ServerConfig(model, host, port, threads, contextLength, kvCache, kvType, parallel, batchTokens,
                maxQueue, apiKey, kernels, chatTemplate, maxBodyBytes, drain, value, stepMillis, warmupMillis);
    }

    public boolean demo() {
        return model == null;
    }

    /** The engine's configuration for the model file actually served, with the KV cache in tokens. */
    EngineConfig engineConfig(Path file, long kvCacheTokens) {
        return EngineConfig.defaults(file)
                .withThreads(threads)
                .withContextLength(contextLength)
                .withKvCacheTokens(kvCacheTokens)
                .withKvType(kvType)
                .withKernels(kernels)
                .withChatTemplate(chatTemplate)
                .withScheduling(parallel, batchTokens, maxQueue, true)
                .withStepMillis(stepMillis)
                .withWarmup(warmupMillis);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
