package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputePoolTest {
    @Test
    void everyChunkRunsExactlyOnceAcrossManyOps() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int op = 0; op < 20_000; op++) {
                int chunks = 1 + op % 37;
                AtomicIntegerArray seen = new AtomicIntegerArray(chunks);
                pool.run((chunk, member) -> {
                    assertTrue(member >= 0 && member < 3);
                    seen.incrementAndGet(chunk);
                }, chunks);
                for (int c = 0; c < chunks; c++) {
                    assertEquals(1, seen.get(c), "op " + op + " chunk " + c);
                }
            }
        }
    }

    /**
     * Ops of few chunks followed by ops of many, back to back: a member still leaving a small op
     * must not take the next, larger op's limit for its own (it once ran a chunk of the new op twice
     * and counted it twice, so run() returned with a chunk still undone).
     */
    @Test
    void noOpEndsBeforeEachOfItsChunksHasRunOnceWhenSizesAlternate() {
        try (ComputePool pool = new ComputePool(2)) {
            int[] sizes = {2, 64, 3, 40, 2, 17};
            for (int op = 0; op < 60_000; op++) {
                int chunks = sizes[op % sizes.length];
                AtomicIntegerArray seen = new AtomicIntegerArray(chunks);
                pool.run((chunk, member) -> seen.incrementAndGet(chunk), chunks);
                for (int c = 0; c < chunks; c++) {
                    assertEquals(1, seen.get(c), "op " + op + " of " + chunks + " chunks, chunk " + c);
                }
            }
        }
    }

    @Test
    void resultsWrittenByMembersAreVisibleToTheCaller() {
        try (ComputePool pool = new ComputePool(2)) {
            long[] out = new long[1000];
            for (int round = 1; round <= 200; round++) {
                int r = round;
                pool.run((chunk, member) -> out[chunk] = (long) chunk * r, out.length);
                for (int i = 0; i < out.length; i++) {
                    assertEquals((long) i * round, out[i]);
                }
            }
        }
    }

    @Test
    void aFailureInAChunkReachesTheCallerAndThePoolKeepsWorking() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((chunk, member) -> {
                if (chunk == 5) {
                    throw new IllegalStateException("chunk 5 failed");
                }
            }, 10));
            assertEquals("chunk 5 failed", e.getMessage());
            AtomicIntegerArray seen = new AtomicIntegerArray(10);
            pool.run((chunk, member) -> seen.incrementAndGet(chunk), 10);
            for (int c = 0; c < 10; c++) {
                assertEquals(1, seen.get(c));
            }
        }
    }

    @Test
    void membersWakeUpAfterParking() throws Exception {
        try (ComputePool pool = new ComputePool(2)) {
            // Let the member pass its spin window and park (observed through its thread state, not a sleep).
            Thread member = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("jllm-compute-1")).findFirst().orElseThrow();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (member.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(Thread.State.WAITING, member.getState());
            AtomicIntegerArray byMember = new AtomicIntegerArray(2);
            for (int i = 0; i < 50; i++) {
                pool.run((chunk, m) -> {
                    byMember.incrementAndGet(m);
                    // Give the woken member a chance to claim chunks: each chunk does a little work.
                    double acc = 0;
                    for (int j = 0; j < 20_000; j++) {
                        acc += Math.sqrt(j);
                    }
                    if (acc < 0) {
                        throw new AssertionError();
                    }
                }, 64);
            }
            assertEquals(50 * 64, byMember.get(0) + byMember.get(1));
            assertTrue(byMember.get(1) > 0, "the parked member never woke up to help");
        }
    }

    @Test
    void rejectsAnEmptyPool() {
        assertThrows(IllegalArgumentException.class, () -> new ComputePool(0));
    }
}
