package io.jllm.engine.kernel;

/**
 * The batch shapes a matmul kernel computes efficiently: batches of at least {@code minTokens}
 * take a batched path that pays for {@code tileTokens} tokens at a time (a partly filled tile costs
 * a whole one); smaller batches run token by token. {@code minTokens == 0} means no batched path:
 * cost is linear in tokens.
 */
public record BatchGranularity(int minTokens, int tileTokens) {
    public static final BatchGranularity LINEAR = new BatchGranularity(0, 1);

    public BatchGranularity {
        if (minTokens < 0 || tileTokens < 1) {
            throw new IllegalArgumentException("minTokens >= 0 and tileTokens >= 1, got " + minTokens + ", " + tileTokens);
        }
    }

    public boolean batched() {
        return minTokens > 0;
    }
}
