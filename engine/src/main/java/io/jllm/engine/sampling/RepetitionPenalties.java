package io.jllm.engine.sampling;

/**
 * The recent-token window and the repetition, frequency and presence penalties over it, with llama.cpp's math
 * ({@code llama_sampler_penalties_apply} in src/llama-sampler.cpp): for each distinct token seen {@code count > 0}
 * times in the window, a logit {@code <= 0} is multiplied by the repetition penalty and a positive one divided
 * by it, then {@code count * frequency + presence} is subtracted.
 *
 * <p>Penalties are written into the caller's logits and undone by {@link #restore}: touching only the distinct
 * recent tokens keeps the cost at O(window) instead of copying the vocabulary every token.
 */
final class RepetitionPenalties {
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] counts;

    /** The last {@code window} tokens, oldest at {@code head} once full; null when the window is unbounded. */
    private final int[] ring;
    private int ringSize;
    private int head;

    /** Tokens with {@code counts > 0}, in no particular order, and each one's index in it (bounded window only). */
    private final int[] distinct;
    private final int[] slotOf;
    private int distinctCount;

    private final float[] saved;

    /** @param window the number of recent tokens to count, or -1 for all of them; must not be 0 */
    RepetitionPenalties(int vocabSize, int window, float repeat, float frequency, float presence) {
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.counts = new int[vocabSize];
        int capacity = window < 0 ? vocabSize : Math.min(window, vocabSize);
        this.ring = window < 0 ? null : new int[window];
        this.distinct = new int[capacity];
        this.slotOf = window < 0 ? null : new int[vocabSize];
        this.saved = new float[capacity];
    }

    void accept(int token) {
        if (ring != null) {
            if (ringSize == ring.length) {
                forget(ring[head]);
            } else {
                ringSize++;
            }
            ring[head] = token;
            head = head + 1 == ring.length ? 0 : head + 1;
        }
        if (counts[token]++ == 0) {
            if (slotOf != null) {
                slotOf[token] = distinctCount;
            }
            distinct[distinctCount++] = token;
        }
    }

    private void forget(int token) {
        if (--counts[token] == 0) {
            int slot = slotOf[token];
            int last = distinct[--distinctCount];
            distinct[slot] = last;
            slotOf[last] = slot;
        }
    }

    /** How many times {@code token} occurs in the window. */
    int count(int token) {
        return counts[token];
    }

    /** Penalizes the recent tokens' logits in place; {@link #restore} must follow before anyone else reads them. */
    void apply(float[] logits, int offset) {
        for (int i = 0; i < distinctCount; i++) {
            int at = offset + distinct[i];
            float v = logits[at];
            saved[i] = v;
            v = v <= 0f ? v * repeat : v / repeat;
            v -= counts[distinct[i]] * frequency + presence;
            logits[at] = v;
        }
    }

    void restore(float[] logits, int offset) {
        for (int i = 0; i < distinctCount; i++) {
            logits[offset + distinct[i]] = saved[i];
        }
    }
}
