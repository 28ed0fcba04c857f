package io.jllm.engine.kernel;

/**
 * The batch shapes a matmul kernel computes efficiently: batches of at least {@code minTokens}
 * take a batched path that pays for {@code tileTokens} tokens at a time (a partly filled tile costs
 * a whole one); below that, batches of at least {@code smallMinTokens} take a small-batch path that
 * pays for {@code smallGroupTokens} at a time; smaller batches run token by token.
 * {@code minTokens == 0} means no batched path: cost is linear in tokens; {@code smallMinTokens == 0}
 * means no small-batch path.
 */
public record BatchGranularity(int minTokens, int tileTokens, int smallMinTokens, int smallGroupTokens) {
    public static final BatchGranularity LINEAR = new BatchGranularity(0, 1);

    public BatchGranularity {
        if (minTokens < 0 || tileTokens < 1 || smallMinTokens < 0 || smallGroupTokens < 1
                || (smallMinTokens > 0 && smallMinTokens >= minTokens)) {
            throw new IllegalArgumentException("minTokens >= 0, tileTokens >= 1, 0 <= smallMinTokens < minTokens"
                    + " (or 0), smallGroupTokens >= 1; got " + minTokens + ", " + tileTokens + ", " + smallMinTokens
                    + ", " + smallGroupTokens);
        }
    }

    /** A batched path and nothing between it and token by token. */
    public BatchGranularity(int minTokens, int tileTokens) {
        this(minTokens, tileTokens, 0, 1);
    }

    public boolean batched() {
        return minTokens > 0;
    }

    public boolean smallBatched() {
        return smallMinTokens > 0;
    }
}
