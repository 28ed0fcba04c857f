package io.jllm.engine.scheduler;

import io.jllm.engine.kernel.BatchGranularity;

/**
 * Turns a step's time budget into its token budget: every decoding sequence's token, then as much
 * prefill as fits at the measured cost per token, but always some prefill so a long prompt moves.
 *
 * <p>With batched kernels the batch is whole tiles and at least the batched path's minimum: a
 * smaller batch runs token by token at several times the cost per token, and a tile costs the same
 * however full it is (7 decoders plus a 32-token chunk, 39 tokens, would pay for 64 where 32 hold
 * the 7 and a 25-token chunk). With linear kernels a step prefills at least {@link #MIN_LINEAR_CHUNK}
 * tokens, running over the budget by that much when the budget leaves less.
 */
final class StepBudget {
    static final int MIN_LINEAR_CHUNK = 8;

    private StepBudget() {
    }

    /**
     * @param stepTokens     the configured token budget, the most a step ever holds
     * @param stepMillis     the step time budget
     * @param nanosPerToken  measured cost of a prefill token (a tile's tokens each count)
     * @param decoding       sequences decoding one token this step
     */
    static int tokens(int stepTokens, long stepMillis, double nanosPerToken, int decoding, BatchGranularity g) {
        int fits = (int) Math.min(stepTokens, (long) (stepMillis * 1e6 / nanosPerToken));
        int budget;
        if (g.batched()) {
            int tile = g.tileTokens();
            int least = Math.max(g.minTokens(), (decoding + 1 + tile - 1) / tile * tile);
            budget = Math.max(least, fits / tile * tile);
        } else {
            budget = Math.max(decoding + MIN_LINEAR_CHUNK, fits);
        }
        return Math.min(budget, stepTokens);
    }
}
