package io.jllm.bench.serve;

import java.util.SplittableRandom;

/**
 * Prompts of random ordinary token ids (no special tokens), different for every request so the
 * prefix cache cannot help: llama-batched-bench computes every prompt too.
 */
public final class RandomPrompts {
    private static final int FIRST = 1000;
    private static final int LAST = 100_000;

    private RandomPrompts() {
    }

    /** Prompt {@code index} of a series: {@code length} ids, a pure function of the arguments. */
    public static int[] of(long seed, int index, int length) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = r.nextInt(FIRST, LAST);
        }
        return ids;
    }
}
