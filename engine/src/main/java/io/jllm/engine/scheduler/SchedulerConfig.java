package io.jllm.engine.scheduler;

/**
 * Knobs of the continuous-batching scheduler.
 *
 * @param maxRunning       most sequences computed together in one step (each decoding sequence is
 *                         one row of every matrix product, so this bounds step time)
 * @param stepTokens       token budget of one step: decode tokens first, then prefill chunks up to
 *                         it, so a long prompt is spread over steps instead of stalling everyone
 * @param stepMillis       time budget of one step: prefill chunks are cut so that a step takes about
 *                         this long at the measured prefill speed, though a step with decoders still
 *                         prefills at least a kernel group and one without takes the whole token
 *                         budget (see {@code StepBudget}; 0: the token budget alone)
 * @param maxQueue         most requests waiting to start; beyond it submit() rejects
 * @param maxContext       most tokens (prompt + generated) of one sequence
 * @param prefixCaching    share the KV blocks of identical prompt prefixes
 */
public record SchedulerConfig(int maxRunning, int stepTokens, long stepMillis, int maxQueue, int maxContext,
        boolean prefixCaching) {
    public SchedulerConfig {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("maxRunning must be >= 1, got " + maxRunning);
        }
        if (stepTokens < maxRunning) {
            throw new IllegalArgumentException("stepTokens (" + stepTokens + ") must be >= maxRunning (" + maxRunning
                    + "): every running sequence needs one token per step");
        }
        if (stepMillis < 0) {
            throw new IllegalArgumentException("stepMillis must be >= 0, got " + stepMillis);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        }
        if (maxContext < 2) {
            throw new IllegalArgumentException("maxContext must be >= 2, got " + maxContext);
        }
    }

    public static SchedulerConfig defaults(int maxContext) {
        return new SchedulerConfig(16, 256, 500, 256, maxContext, true);
    }
}
