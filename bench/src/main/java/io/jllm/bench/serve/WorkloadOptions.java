package io.jllm.bench.serve;

import io.jllm.engine.api.EngineConfig;
import io.jllm.server.ServerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The seed workload's shape and the engine's scheduling options (a picocli mixin). */
public final class WorkloadOptions {
    @Option(names = "--model", paramLabel = "FILE", description = "GGUF to serve (default: synthetic qwen3-0.6b Q4_K_M; quick: tiny).")
    public Path model;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "40", description = "Requests per run (default: ${DEFAULT-VALUE}).")
    public int requests;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "8",
            description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    public int concurrency;

    @Option(names = "--prompt", paramLabel = "N", defaultValue = "32", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    public int prompt;

    @Option(names = "--gen", paramLabel = "N", defaultValue = "50", description = "Generated tokens per request (default: ${DEFAULT-VALUE}).")
    public int gen;

    @Option(names = "--step-tokens", paramLabel = "N", defaultValue = "256",
            description = "Engine step token budget (default: ${DEFAULT-VALUE}, the engine's).")
    public int stepTokens;

    @Option(names = "--kv-tokens", paramLabel = "N", description = "KV cache size in tokens (default: what the workload needs).")
    public Long kvTokens;

    public void check() {
        if (requests < 1 || concurrency < 1 || prompt < 1 || gen < 1 || stepTokens < 1) {
            throw new IllegalArgumentException("--requests, --concurrency, --prompt, --gen and --step-tokens must be >= 1");
        }
    }

    /**
     * The engine for this workload: greedy clients, prefix caching on and the server's kernel warm-up
     * (as served), F16 KV cache. Without the warm-up the matrix-vector kernels reached C2 only late, through
     * the seed's part-filled batches, and in 4 of 4 JVMs their code ran concurrency 1 at 8-15 t/s
     * against 24 with it (bench/KERNELS.md, eighteenth session).
     */
    public EngineConfig engineConfig(Path file, int threads, int maxRunning, long kvCacheTokens) {
        return EngineConfig.defaults(file).withThreads(threads).withKvCacheTokens(kvCacheTokens)
                .withScheduling(maxRunning, Math.max(stepTokens, maxRunning), 4096, true)
                .withWarmup(ServerConfig.defaults(file).warmupMillis());
    }
}
