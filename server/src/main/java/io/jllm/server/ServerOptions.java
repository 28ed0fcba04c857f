package io.jllm.server;

import io.jllm.engine.kv.KvType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The server's command line; {@link #toConfig()} checks it and makes the {@link ServerConfig}. */
@Command(name = "jllm server", mixinStandardHelpOptions = true, version = "jLLM 0.1.0", sortOptions = false,
        usageHelpWidth = 110,
        description = {"Serves a Qwen3 GGUF model over HTTP: /generate, OpenAI-compatible /v1/completions,",
                "/v1/chat/completions and /v1/models, /tokenize, /detokenize, /health and /metrics.",
                "Without --model it serves a tiny synthetic demo model whose output is noise."})
public final class ServerOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "Qwen3 GGUF model file (default: the synthetic demo model, random weights).")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "N",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "N",
            description = "Compute threads; 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-c", "--ctx"}, defaultValue = "0", paramLabel = "N",
            description = "Most tokens per sequence (prompt + generated); 0 = the model's, capped at 8192"
                    + " (default: ${DEFAULT-VALUE}).")
    int contextLength;

    @Option(names = "--kv-cache", defaultValue = "0", paramLabel = "SIZE",
            description = "KV cache size, shared by all sequences: token slots (16384) or memory (2GiB, 512MiB);"
                    + " 0 = automatic (default: ${DEFAULT-VALUE}).")
    String kvCache;

    @Option(names = "--kv-type", defaultValue = "f16", paramLabel = "TYPE",
            description = "KV cache element type: f16 or f32 (default: ${DEFAULT-VALUE}).")
    String kvType;

    @Option(names = {"-np", "--parallel"}, defaultValue = "16", paramLabel = "N",
            description = "Most sequences computed together (continuous batching) (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = {"-b", "--batch-tokens"}, defaultValue = "256", paramLabel = "N",
            description = "Token budget of one scheduler step: decode tokens first, then prefill chunks"
                    + " (default: ${DEFAULT-VALUE}).")
    int batchTokens;

    @Option(names = "--max-queue", defaultValue = "256", paramLabel = "N",
            description = "Most requests waiting to start; more get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every endpoint except GET /health"
                    + " (default: the JLLM_API_KEY environment variable, else none).")
    String apiKey;

    @Option(names = "--kernels", defaultValue = "simd", paramLabel = "SET",
            description = "simd (fast) or reference (scalar, for checking) (default: ${DEFAULT-VALUE}).")
    String kernels;

    @Option(names = "--chat-template", defaultValue = "auto", paramLabel = "NAME",
            description = "auto (recognize the model's), qwen3 or chatml (default: ${DEFAULT-VALUE}).")
    String chatTemplate;

    @Option(names = "--max-body", defaultValue = "10485760", paramLabel = "BYTES",
            description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--drain-seconds", defaultValue = "30", paramLabel = "S",
            description = "On shutdown (SIGTERM, Ctrl-C), let in-flight requests finish for up to this long, then"
                    + " cancel the rest (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Option(names = "--step-ms", defaultValue = "500", paramLabel = "MS",
            description = "Time budget of one scheduler step: a long prompt is processed in chunks of about this "
                    + "long, so streams already running keep getting tokens meanwhile; each such step still "
                    + "prefills at least one kernel group (8 tokens) beside them, over the budget on a machine "
                    + "too slow for it; a step with no running stream takes --batch-tokens; 0 = --batch-tokens "
                    + "alone (default: ${DEFAULT-VALUE}).")
    long stepMillis;

    @Option(names = "--warmup", defaultValue = "5000", paramLabel = "MS",
            description = "While /health says loading, run dummy forward passes at least this long so the JIT has "
                    + "compiled the kernels before the first request, then on until they stop allocating (a sign "
                    + "they are compiled), at most 6x this; 0 = off, which can leave kernels that first compile "
                    + "under odd traffic 2x slower for the process's life (default: ${DEFAULT-VALUE}).")
    long warmupMillis;

    /** Parses {@code args} into a config, or throws picocli's ParameterException naming the bad option. */
    public static ServerConfig parse(String... args) {
        CommandLine cl = commandLine();
        cl.parseArgs(args);
        return ((ServerOptions) cl.getCommand()).toConfig(cl, System.getenv("JLLM_API_KEY"));
    }

    /** The command line; an option given twice takes its last value, as llama-server's do. */
    static CommandLine commandLine() {
        return new CommandLine(new ServerOptions()).setOverwrittenOptionsAllowed(true);
    }

    ServerConfig toConfig(CommandLine cl, String envApiKey) {
        if (model != null && !Files.isRegularFile(model)) {
            throw new CommandLine.ParameterException(cl, "--model " + model + ": no such file"
                    + (Files.isDirectory(model) ? " (it is a directory; give the .gguf file inside)" : "")
                    + ". Give the path of a Qwen3 GGUF, e.g. --model ~/models/Qwen3-0.6B-Q4_K_M.gguf,"
                    + " or leave --model out to serve the demo model.");
        }
        if (drainSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "--drain-seconds must be >= 0, got " + drainSeconds);
        }
        String key = apiKey != null ? apiKey : (envApiKey == null || envApiKey.isBlank() ? null : envApiKey);
        try {
            return new ServerConfig(model, host, port, threads, contextLength, KvCacheSize.parse(kvCache),
                    kvType(kvType), parallel, batchTokens, maxQueue, key, kernels, chatTemplate, maxBody,
                    Duration.ofSeconds(drainSeconds), ServerConfig.DEFAULT_SSE_PING, stepMillis, warmupMillis);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    private static KvType kvType(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f16" -> KvType.F16;
            case "f32" -> KvType.F32;
            default -> throw new IllegalArgumentException("--kv-type must be f16 or f32, got " + name);
        };
    }
}
