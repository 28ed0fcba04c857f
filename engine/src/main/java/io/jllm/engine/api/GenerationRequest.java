package io.jllm.engine.api;

import io.jllm.engine.sampling.SamplingParams;
import java.time.Duration;
import java.util.Objects;

/**
 * What to generate: prompt tokens (already tokenized and templated), sampling and limits.
 *
 * @param prompt    prompt token ids, at least one
 * @param sampling  sampling parameters, max tokens, stop strings, ignore_eos
 * @param timeout   wall-clock limit from submission, or null for none
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, Duration timeout) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        prompt = prompt.clone();
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    public GenerationRequest(int[] prompt, SamplingParams sampling) {
        this(prompt, sampling, null);
    }
}
