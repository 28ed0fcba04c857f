package io.jllm.server;

import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.scheduler.SchedulerStats;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling of a condition (engine stats, server state): fails with what it last saw. */
final class Await {
    private Await() {
    }

    static void until(String what, Duration limit, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what + "; last: " + state.get());
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /** No sequence running or waiting, and no KV block held by a sequence (the prefix cache may keep some). */
    static void idle(InferenceEngine engine, Duration limit) {
        until("an idle engine with every sequence's KV blocks free", limit, () -> {
            SchedulerStats s = engine.stats();
            return s.running() == 0 && s.waiting() == 0 && s.kvBlocksUsed() == engine.cachedPrefixBlocks();
        }, () -> engine.stats() + ", prefix-cached blocks " + engine.cachedPrefixBlocks());
    }
}
