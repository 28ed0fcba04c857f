package io.jllm.engine.cli;

import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.kv.KvType;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The options that shape the engine, shared by every command that loads a model. */
final class EngineOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "Qwen3 GGUF model file.")
    Path model;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "N",
            description = "Compute threads; 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-c", "--ctx"}, defaultValue = "0", paramLabel = "N",
            description = "Most tokens per sequence (prompt + generated); 0 = the model's, capped at 8192 (default: ${DEFAULT-VALUE}).")
    int contextLength;

    @Option(names = "--kv-cache", defaultValue = "0", paramLabel = "TOKENS",
            description = "Token slots in the KV cache; 0 = automatic (default: ${DEFAULT-VALUE}).")
    long kvCacheTokens;

    @Option(names = "--kv-type", defaultValue = "F16", paramLabel = "TYPE",
            description = "KV cache element type: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    KvType kvType;

    @Option(names = "--kernels", defaultValue = "simd", paramLabel = "SET",
            description = "simd (fast) or reference (scalar oracle) (default: ${DEFAULT-VALUE}).")
    String kernels;

    @Option(names = "--chat-template", defaultValue = "auto", paramLabel = "NAME",
            description = "auto (the model's), qwen3 or chatml (default: ${DEFAULT-VALUE}).")
    String chatTemplate;

    @Option(names = "--warmup", defaultValue = "3000", paramLabel = "MS",
            description = "Run the SIMD kernels at least this long at start-up so the JIT compiles them before the prompt, "
                    + "then on until they stop allocating (compiled), at most 6x this; 0 = off (default: ${DEFAULT-VALUE}).")
    long warmupMillis;

    EngineConfig toConfig() {
        if (!Files.isRegularFile(model)) {
            throw new ParameterException(spec.commandLine(), "--model " + model + ": no such file");
        }
        try {
            return EngineConfig.defaults(model).withThreads(threads).withContextLength(contextLength)
                    .withKvCacheTokens(kvCacheTokens).withKvType(kvType).withKernels(kernels)
                    .withChatTemplate(chatTemplate).withWarmup(warmupMillis);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
