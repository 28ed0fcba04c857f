package io.jllm.engine.sampling;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fixed offsets added to chosen tokens' logits before anything else samples them: OpenAI's {@code logit_bias}
 * and llama.cpp's logit-bias sampler, which its common sampler puts first in the chain (common/sampling.cpp).
 * A bias of {@code -infinity} bans a token (llama-server's {@code [id, false]}); greedy decoding sees the biased
 * logits too. Immutable; token ids are checked against a vocabulary where one is known (the sampler, the engine).
 */
public final class LogitBias {
    /** No bias. */
    public static final LogitBias NONE = new LogitBias(new int[0], new float[0]);

    private final int[] tokens;
    private final float[] biases;

    private LogitBias(int[] tokens, float[] biases) {
        this.tokens = tokens;
        this.biases = biases;
    }

    /**
     * The bias of each token in {@code bias}.
     *
     * @throws IllegalArgumentException naming the token if an id is negative or null, or a bias is NaN or
     *                                  +infinity (which would make every other token impossible)
     */
    public static LogitBias of(Map<Integer, Float> bias) {
        if (bias == null || bias.isEmpty()) {
            return NONE;
        }
        TreeMap<Integer, Float> sorted = new TreeMap<>();
        for (Map.Entry<Integer, Float> e : bias.entrySet()) {
            Integer token = e.getKey();
            Float value = e.getValue();
            if (token == null || token < 0) {
                throw new IllegalArgumentException("logitBias: token ids must be >= 0, got " + token);
            }
            if (value == null || value.isNaN() || value == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logitBias: the bias of token " + token
                        + " must be a finite number or -infinity (banned), got " + value);
            }
            sorted.put(token, value);
        }
        int[] tokens = new int[sorted.size()];
        float[] biases = new float[sorted.size()];
        int i = 0;
        for (Map.Entry<Integer, Float> e : sorted.entrySet()) {
            tokens[i] = e.getKey();
            biases[i++] = e.getValue();
        }
        return new LogitBias(tokens, biases);
    }

    public boolean isEmpty() {
        return tokens.length == 0;
    }

    public int size() {
        return tokens.length;
    }

    /** The largest biased token id, or -1 when empty: a vocabulary must be larger than this. */
    public int maxToken() {
        return tokens.length == 0 ? -1 : tokens[tokens.length - 1];
    }

    /** The bias of {@code token}, 0 where none is set. */
    public float of(int token) {
        int i = Arrays.binarySearch(tokens, token);
        return i >= 0 ? biases[i] : 0f;
    }

    /** Adds the biases into {@code logits[offset + token]}, keeping the old values in {@code saved}. */
    void apply(float[] logits, int offset, float[] saved) {
        for (int i = 0; i < tokens.length; i++) {
            int at = offset + tokens[i];
            saved[i] = logits[at];
            logits[at] += biases[i];
        }
    }

    /** Puts back what {@link #apply} saved. */
    void restore(float[] logits, int offset, float[] saved) {
        for (int i = 0; i < tokens.length; i++) {
            logits[offset + tokens[i]] = saved[i];
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogitBias b && Arrays.equals(tokens, b.tokens) && Arrays.equals(biases, b.biases);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(biases);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < tokens.length; i++) {
            s.append(i == 0 ? "" : ", ").append(tokens[i]).append('=').append(biases[i]);
        }
        return s.append('}').toString();
    }
}
