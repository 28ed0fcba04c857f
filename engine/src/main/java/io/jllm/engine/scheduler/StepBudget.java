package io.jllm.engine.scheduler;

import io.jllm.engine.kernel.BatchGranularity;

/**
 * Turns a step's time budget into its token budget: every decoding sequence's token, then as much
 * prefill as fits at the measured cost per token, but always some prefill so a long prompt moves.
 * A step with no decoder takes the whole token budget: no one's next token waits on it, and prefill
 * is cheapest per token in big steps.
 *
 * <p>With batched kernels the batch is whole tiles and at least the batched path's minimum: a
 * smaller batch runs token by token at several times the cost per token, and a tile costs the same
 * however full it is (7 decoders plus a 32-token chunk, 39 tokens, would pay for 64 where 32 hold
 * the 7 and a 25-token chunk). Where even that minimum does not fit the time and the kernels have a
 * small-batch path, the step is whole groups of that path instead, as many as fit at its own
 * measured cost, and at least the decoders and one whole group of prefill: a step's cost is mostly
 * streaming the weights, which the decoders pay anyway, so where the decoders alone nearly fill the
 * budget (a slow machine) a step runs over it by less than a group's marginal cost, where one
 * prefill token a step would leave a 2,000-token prompt waiting for 2,000 steps (measured: no first
 * token in 10 minutes on a 2-core AVX2 machine). With linear kernels a step prefills at least
 * {@link #MIN_LINEAR_CHUNK} tokens, running over the budget by that much when the budget leaves less.
 */
final class StepBudget {
    static final int MIN_LINEAR_CHUNK = 8;
    /** Share of the step budget a step on the small-batch path is planned to fill. */
    static final double SMALL_BATCH_MARGIN = 0.8;

    private StepBudget() {
    }

    /**
     * @param stepTokens          the configured token budget, the most a step ever holds
     * @param stepMillis          the step time budget
     * @param nanosPerToken       measured cost of a prefill token in a batched step (a tile's tokens each count)
     * @param smallNanosPerToken  the same for steps on the small-batch path (a group's tokens each
     *                            count), 0 while none has been measured
     * @param decoding            sequences decoding one token this step
     */
    static int tokens(int stepTokens, long stepMillis, double nanosPerToken, double smallNanosPerToken, int decoding,
            BatchGranularity g) {
        if (decoding == 0) {
            return stepTokens;
        }
        int fits = fitting(stepTokens, stepMillis, nanosPerToken);
        int budget;
        if (g.batched()) {
            int tile = g.tileTokens();
            int least = Math.max(g.minTokens(), (decoding + 1 + tile - 1) / tile * tile);
            if (fits < least && g.smallBatched() && decoding + 1 < g.minTokens()) {
                int group = g.smallGroupTokens();
                int smallLeast = Math.max(g.smallMinTokens(), (decoding + group + group - 1) / group * group);
                // aim at 80 % of the budget: steps scatter around the measured average (which lags as
                // the prompt's attention grows), and the decoders' slowest tokens must stay within it
                int smallFits = smallNanosPerToken > 0
                        ? fitting(stepTokens, stepMillis, smallNanosPerToken / SMALL_BATCH_MARGIN) : 0;
                budget = Math.min(g.minTokens() - 1, Math.max(smallLeast, smallFits / group * group));
            } else {
                budget = Math.max(least, fits / tile * tile);
            }
        } else {
            budget = Math.max(decoding + MIN_LINEAR_CHUNK, fits);
        }
        return Math.min(budget, stepTokens);
    }

    /** @see #tokens(int, long, double, double, int, BatchGranularity) without a small-batch measurement */
    static int tokens(int stepTokens, long stepMillis, double nanosPerToken, int decoding, BatchGranularity g) {
        return tokens(stepTokens, stepMillis, nanosPerToken, 0, decoding, g);
    }

    private static int fitting(int stepTokens, long stepMillis, double nanosPerToken) {
        return (int) Math.min(stepTokens, (long) (stepMillis * 1e6 / nanosPerToken));
    }
}
