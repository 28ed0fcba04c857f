package io.jllm.engine.sampling;

import java.util.List;

/**
 * How one sequence picks its tokens and when its generation ends. Validated on construction: a bad value
 * fails with an {@link IllegalArgumentException} naming the field and its allowed range.
 *
 * <p>Defaults ({@link #defaults()}) are llama-server's ({@code common_params_sampling} in llama.cpp's
 * common/common.h), because jLLM is measured against llama.cpp and its users expect the same behaviour
 * for a request that names no sampling fields. Where OpenAI's API differs it is noted per field.
 *
 * @param temperature      softmax temperature, applied after the filters; {@code 0} = greedy (argmax).
 *                         Default 0.8 (llama-server; OpenAI's default is 1.0). Range [0, +inf), finite.
 * @param topK             keep the k most likely tokens; {@code 0} or {@code -1} = off. Default 40 (llama-server;
 *                         OpenAI has no top-k). Range [-1, +inf).
 * @param topP             nucleus: keep the smallest most-likely set whose probability is at least p;
 *                         {@code 1} = off. Default 0.95 (llama-server; OpenAI's default is 1). Range [0, 1].
 * @param minP             keep tokens whose probability is at least minP times the top token's; {@code 0} = off.
 *                         Default 0.05 (llama-server). Range [0, 1].
 * @param repetitionPenalty divide positive / multiply negative logits of recently seen tokens; {@code 1} = off.
 *                         Default 1. Range (0, +inf), finite.
 * @param frequencyPenalty subtract {@code count * frequencyPenalty} from a recent token's logit; {@code 0} = off.
 *                         Default 0 (OpenAI and llama-server). Range [-2, 2] (OpenAI's).
 * @param presencePenalty  subtract {@code presencePenalty} from the logit of any recent token; {@code 0} = off.
 *                         Default 0 (OpenAI and llama-server). Range [-2, 2] (OpenAI's).
 * @param penaltyLastN     how many of the most recent tokens (prompt included) the three penalties look at;
 *                         {@code 0} = penalties off, {@code -1} = the whole sequence. Default 64 (llama-server).
 * @param seed             random seed; {@link #RANDOM_SEED} ({@code -1}, as in llama-server) = a fresh random seed
 *                         per sequence, which {@link Sampler#seed()} reports. Default -1.
 * @param maxTokens        most tokens to generate; {@code -1} = until the context is full (llama-server's
 *                         {@code n_predict = -1}). Default -1. Range [-1, +inf).
 * @param stop             strings that end generation when they appear in the output (and are not returned);
 *                         none by default. Each must be non-empty.
 * @param ignoreEos        keep generating past end-of-sequence tokens (benchmarks). Default false.
 * @param logitBias        offsets added to chosen tokens' logits before the penalties and filters
 *                         (OpenAI's {@code logit_bias}); {@link LogitBias#NONE} by default.
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyLastN,
        long seed,
        int maxTokens,
        List<String> stop,
        boolean ignoreEos,
        LogitBias logitBias) {

    /** The {@link #seed} value meaning "pick a random seed for each sequence". */
    public static final long RANDOM_SEED = -1L;

    public SamplingParams {
        if (!Float.isFinite(temperature) || temperature < 0f) {
            throw invalid("temperature", temperature, "a finite number >= 0 (0 = greedy)");
        }
        if (topK < -1) {
            throw invalid("topK", topK, ">= -1 (0 or -1 = off)");
        }
        if (!(topP >= 0f && topP <= 1f)) {
            throw invalid("topP", topP, "in [0, 1] (1 = off)");
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw invalid("minP", minP, "in [0, 1] (0 = off)");
        }
        if (!Float.isFinite(repetitionPenalty) || repetitionPenalty <= 0f) {
            throw invalid("repetitionPenalty", repetitionPenalty, "a finite number > 0 (1 = off)");
        }
        if (!(frequencyPenalty >= -2f && frequencyPenalty <= 2f)) {
            throw invalid("frequencyPenalty", frequencyPenalty, "in [-2, 2] (0 = off)");
        }
        if (!(presencePenalty >= -2f && presencePenalty <= 2f)) {
            throw invalid("presencePenalty", presencePenalty, "in [-2, 2] (0 = off)");
        }
        if (penaltyLastN < -1) {
            throw invalid("penaltyLastN", penaltyLastN, ">= -1 (0 = penalties off, -1 = whole sequence)");
        }
        if (maxTokens < -1) {
            throw invalid("maxTokens", maxTokens, ">= -1 (-1 = until the context is full)");
        }
        if (stop == null) {
            throw new IllegalArgumentException("stop must be a list (possibly empty), got null");
        }
        for (int i = 0; i < stop.size(); i++) {
            String s = stop.get(i);
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException(
                        "stop[" + i + "] must be a non-empty string, got " + (s == null ? "null" : "\"\""));
            }
        }
        stop = List.copyOf(stop);
        if (logitBias == null) {
            throw new IllegalArgumentException("logitBias must be a LogitBias (LogitBias.NONE for none), got null");
        }
    }

    /** llama-server's defaults (see the class comment). */
    public static SamplingParams defaults() {
        return builder().build();
    }

    /** Argmax decoding with no penalties: the same logits always give the same token. */
    public static SamplingParams greedy() {
        return builder().temperature(0f).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder()
                .temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repetitionPenalty).frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty).penaltyLastN(penaltyLastN).seed(seed)
                .maxTokens(maxTokens).stop(stop).ignoreEos(ignoreEos).logitBias(logitBias);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** Whether any of the three penalties changes a logit. */
    public boolean penalizes() {
        return penaltyLastN != 0 && (repetitionPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    private static IllegalArgumentException invalid(String field, Object value, String range) {
        return new IllegalArgumentException(field + " must be " + range + ", got " + value);
    }

    /** Mutable builder with the defaults above; {@link #build()} validates. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repetitionPenalty = 1f;
        private float frequencyPenalty = 0f;
        private float presencePenalty = 0f;
        private int penaltyLastN = 64;
        private long seed = RANDOM_SEED;
        private int maxTokens = -1;
        private List<String> stop = List.of();
        private boolean ignoreEos = false;
        private LogitBias logitBias = LogitBias.NONE;

        private Builder() {
        }

        public Builder temperature(float v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(float v) { topP = v; return this; }
        public Builder minP(float v) { minP = v; return this; }
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        public Builder frequencyPenalty(float v) { frequencyPenalty = v; return this; }
        public Builder presencePenalty(float v) { presencePenalty = v; return this; }
        public Builder penaltyLastN(int v) { penaltyLastN = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
        public Builder logitBias(LogitBias v) { logitBias = v; return this; }

        /** Turns top-k, top-p and min-p off, so only temperature (and penalties) shape the distribution. */
        public Builder noFilters() { topK = 0; topP = 1f; minP = 0f; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty,
                    presencePenalty, penaltyLastN, seed, maxTokens, stop, ignoreEos, logitBias);
        }
    }
}
