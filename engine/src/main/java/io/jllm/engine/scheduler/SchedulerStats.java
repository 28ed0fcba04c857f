package io.jllm.engine.scheduler;

/**
 * A snapshot of the scheduler's counters and gauges, for metrics.
 *
 * @param waiting            requests not yet started
 * @param running            sequences being computed
 * @param kvBlocksUsed       KV cache blocks held
 * @param kvBlocksTotal      KV cache blocks in all
 * @param preemptions        sequences evicted to make room, since start
 * @param prefixHitTokens    prompt tokens served from the prefix cache, since start
 * @param promptTokens       prompt tokens admitted, since start
 * @param generatedTokens    tokens generated, since start
 * @param steps              forward passes run, since start
 * @param finished           generations ended, since start
 */
public record SchedulerStats(
        int waiting,
        int running,
        int kvBlocksUsed,
        int kvBlocksTotal,
        long preemptions,
        long prefixHitTokens,
        long promptTokens,
        long generatedTokens,
        long steps,
        long finished) {

    /** Share of admitted prompt tokens that came from the prefix cache. */
    public double prefixHitRate() {
        return promptTokens == 0 ? 0 : (double) prefixHitTokens / promptTokens;
    }
}
