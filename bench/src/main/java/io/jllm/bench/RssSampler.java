package io.jllm.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * Samples this process's RSS at a fixed period on a daemon thread, keeping the series (for a plot)
 * and the maximum (where the kernel's peak counter cannot be reset).
 */
public final class RssSampler implements AutoCloseable {
    private final long periodNanos;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean stopped;
    private double[] seconds = new double[256];
    private double[] bytes = new double[256];
    private int count;
    private volatile long max = -1;

    public RssSampler(long periodMillis) {
        this.periodNanos = periodMillis * 1_000_000L;
        this.thread = Thread.ofPlatform().daemon().name("jllm-bench-rss").start(this::loop);
    }

    private void loop() {
        while (!stopped) {
            sample();
            LockSupport.parkNanos(periodNanos);
        }
    }

    private synchronized void sample() {
        long rss = ProcStatus.rss();
        if (rss < 0) {
            return;
        }
        if (count == seconds.length) {
            seconds = java.util.Arrays.copyOf(seconds, count * 2);
            bytes = java.util.Arrays.copyOf(bytes, count * 2);
        }
        seconds[count] = (System.nanoTime() - start) / 1e9;
        bytes[count] = rss;
        count++;
        max = Math.max(max, rss);
    }

    /** The largest RSS seen so far (bytes), or -1. */
    public long max() {
        return max;
    }

    /** {seconds since start, RSS bytes} of every sample so far. */
    public synchronized double[][] series() {
        return new double[][] {java.util.Arrays.copyOf(seconds, count), java.util.Arrays.copyOf(bytes, count)};
    }

    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }
}
