package io.jllm.bench.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A closed-loop load: {@code clients} virtual threads, each sending its next request the moment its
 * previous one is answered, until {@code requests} were sent in all.
 */
public final class ClosedLoop {
    /** Sends one request and reports how it went; failures are returned as timings, not thrown. */
    @FunctionalInterface
    public interface Client {
        RequestTiming call(int[] prompt) throws Exception;
    }

    private ClosedLoop() {
    }

    /** @param prompts prompt of request {@code i} */
    public static List<RequestTiming> run(int clients, int requests, IntFunction<int[]> prompts, Client client)
            throws InterruptedException {
        if (clients < 1 || requests < 1) {
            throw new IllegalArgumentException("clients and requests must be >= 1, got " + clients + ", " + requests);
        }
        RequestTiming[] timings = new RequestTiming[requests];
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests) {
                        int[] prompt = prompts.apply(i);
                        long start = System.nanoTime();
                        try {
                            timings[i] = client.call(prompt);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            timings[i] = RequestTiming.failed(start, System.nanoTime(), "interrupted");
                            return null;
                        } catch (Exception e) {
                            timings[i] = RequestTiming.failed(start, System.nanoTime(), e.getClass().getSimpleName());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a load client failed: " + e.getCause(), e.getCause());
                }
            }
        }
        return Arrays.stream(timings).filter(java.util.Objects::nonNull).toList();
    }
}
