package io.jllm.engine.cli;

import io.jllm.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Sampling options; defaults are llama.cpp's (see SamplingParams). */
final class SamplingOptions {
    @Option(names = {"-n", "--n-predict"}, defaultValue = "128", paramLabel = "N",
            description = "Tokens to generate; -1 = until end of generation or the context is full (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temp", defaultValue = "0.8", paramLabel = "T", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", paramLabel = "K", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "Top-p; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", paramLabel = "P", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", paramLabel = "X",
            description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "X", description = "Frequency penalty (default: ${DEFAULT-VALUE}).")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "X", description = "Presence penalty (default: ${DEFAULT-VALUE}).")
    float presencePenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", paramLabel = "N",
            description = "Recent tokens the penalties look at; -1 = all (default: ${DEFAULT-VALUE}).")
    int penaltyLastN;

    @Option(names = {"-s", "--seed"}, defaultValue = "-1", paramLabel = "N", description = "Random seed; -1 = random (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens (benchmarks).")
    boolean ignoreEos;

    SamplingParams toParams() {
        return SamplingParams.builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repeatPenalty).frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty)
                .penaltyLastN(penaltyLastN).seed(seed).maxTokens(maxTokens).stop(stop).ignoreEos(ignoreEos).build();
    }
}
