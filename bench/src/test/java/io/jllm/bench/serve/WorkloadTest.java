package io.jllm.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static final long MS = 1_000_000L;

    @Test
    void aggregateIsAllTokensOverTheRunsWallTime() {
        // Two requests of 50 tokens spanning 0..2 s: 50 t/s; the failed one counts in requests, not tokens.
        WorkloadResult w = WorkloadResult.of(List.of(
                new RequestTiming(0, 100 * MS, 1000 * MS, 50, null),
                new RequestTiming(500 * MS, 700 * MS, 2000 * MS, 50, null),
                RequestTiming.failed(600 * MS, 650 * MS, "HTTP 503")));
        assertEquals(3, w.requests());
        assertEquals(1, w.failed());
        assertEquals(100, w.tokens());
        assertEquals(50.0, w.tokensPerSecond(), 1e-9);
        assertEquals(150.0, w.ttft(50), 1e-9);
        assertEquals(1250.0, w.latency(50), 1e-9);
        assertEquals(Map.of("HTTP 503", 1), w.errors());
    }

    @Test
    void timingsWithoutFirstTokenHaveNoTtft() {
        WorkloadResult w = WorkloadResult.of(List.of(new RequestTiming(0, -1, 1000 * MS, 10, null)));
        assertTrue(Double.isNaN(w.ttft(50)));
        assertEquals(1000.0, w.latency(99), 1e-9);
        assertEquals(1000.0, WorkloadResult.medianOver(new WorkloadResult[] {w, w}, x -> x.latency(50)), 1e-9);
        assertTrue(Double.isNaN(WorkloadResult.medianOver(new WorkloadResult[] {w}, x -> x.ttft(50))));
    }

    @Test
    void closedLoopSendsEachRequestOnceAndNeverMoreAtOnceThanItsClients() throws Exception {
        int clients = 4;
        int requests = 23;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Map<Integer, Integer> seen = new ConcurrentHashMap<>();
        // The first `clients` requests wait for each other, so all clients provably run at once.
        CountDownLatch allStarted = new CountDownLatch(clients);
        List<RequestTiming> timings = ClosedLoop.run(clients, requests, i -> new int[] {i}, prompt -> {
            int now = inFlight.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            seen.merge(prompt[0], 1, Integer::sum);
            if (prompt[0] < clients) {
                allStarted.countDown();
                assertTrue(allStarted.await(30, TimeUnit.SECONDS), "clients did not run concurrently");
            }
            inFlight.decrementAndGet();
            long t = System.nanoTime();
            return new RequestTiming(t, t, t, 1, null);
        });
        assertEquals(requests, timings.size());
        assertEquals(requests, seen.size());
        assertTrue(seen.values().stream().allMatch(c -> c == 1), seen.toString());
        assertEquals(clients, most.get());
    }

    @Test
    void aThrowingClientBecomesAFailedTimingNotAnAbortedRun() throws Exception {
        List<RequestTiming> timings = ClosedLoop.run(2, 5, i -> new int[] {i}, prompt -> {
            if (prompt[0] == 3) {
                throw new java.io.IOException("connection reset");
            }
            return new RequestTiming(0, 0, 1, 1, null);
        });
        assertEquals(5, timings.size());
        assertEquals(1, timings.stream().filter(t -> "IOException".equals(t.error())).count());
    }

    @Test
    void randomPromptsAreReproducibleDistinctAndOrdinary() {
        int[] a = RandomPrompts.of(3, 7, 32);
        assertEquals(32, a.length);
        assertTrue(java.util.Arrays.equals(a, RandomPrompts.of(3, 7, 32)));
        assertTrue(!java.util.Arrays.equals(a, RandomPrompts.of(3, 8, 32)));
        for (int id : a) {
            assertTrue(id >= 1000 && id < 100_000, "id " + id);
        }
    }
}
