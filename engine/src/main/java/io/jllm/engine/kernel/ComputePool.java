package io.jllm.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of platform threads that split each op into chunks. The calling thread is member 0
 * and works too, so a pool of {@code n} threads starts {@code n - 1}.
 *
 * <p>A forward pass dispatches hundreds of ops per token, so hand-off latency matters more than
 * anything: an op is published by bumping a volatile epoch, chunks are claimed from an atomic
 * counter (no task objects, no queues), and idle members spin briefly before parking, so they are
 * on hand during a forward pass and cost nothing between requests. Ops are objects the caller
 * allocates once and reuses; {@link #run} allocates nothing.
 */
public final class ComputePool implements AutoCloseable {
    /**
     * One op: processes chunk {@code chunk} of however many the caller asked for. {@code member}
     * (0 for the caller, 1.. for the pool's threads) indexes per-thread scratch space.
     */
    @FunctionalInterface
    public interface Task {
        void run(int chunk, int member);
    }

    private static final long SPIN_NANOS = 2_000_000L;
    /**
     * Spins between {@link Thread#yield()}s. On an idle machine a wait ends long before the first
     * yield; on a busy one (more runnable threads than cores) the thread we wait for may sit
     * descheduled on our own core, and a pure spin would burn our time slice instead of giving it
     * the CPU.
     */
    private static final int SPINS_PER_YIELD = 1024;

    private final Thread[] workers;
    /** 1 while member i+1 is parked or about to park; volatile so run() and the member never both miss. */
    private final AtomicIntegerArray parked;
    /**
     * The op's chunk count (high 32 bits) and the next unclaimed chunk (low 32 bits), in one word:
     * a member claims a chunk and learns which op's limit applies in one atomic step. (With the
     * count in a separate field, a member that claimed an index past the end of one op could read
     * the next op's larger count, run that op's chunk as well as whoever claimed it properly, and
     * count it twice, so the caller went on before the op was done.)
     */
    private final AtomicLong next = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Task task;
    private volatile long epoch;
    private volatile boolean closed;
    private volatile Throwable failure;
    private final int size;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.size = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(threads - 1);
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            workers[i] = Thread.ofPlatform().daemon().name("jllm-compute-" + (i + 1)).unstarted(() -> workLoop(index));
            workers[i].start();
        }
    }

    /** Threads working on each op, the caller included. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code task} for chunks {@code 0 .. chunks-1} across the pool and returns when all are
     * done. One dispatching thread at a time (the forward pass's); the first failure is rethrown.
     */
    public void run(Task task, int chunks) {
        if (chunks <= 0) {
            return;
        }
        if (workers.length == 0 || chunks == 1) {
            for (int c = 0; c < chunks; c++) {
                task.run(c, 0);
            }
            return;
        }
        this.task = task;
        // done before next: a member still leaving the previous op may claim chunk 0 of this one
        // the moment next is reset, and its completion must count.
        done.set(0);
        next.set((long) chunks << 32);
        epoch++;
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        work(0);
        for (int spins = 1; done.get() < chunks; spins++) {
            if (spins % SPINS_PER_YIELD == 0) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException r) {
                throw r;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(f);
        }
    }

    private void work(int member) {
        long claim;
        // a chunk below its own op's limit: that op cannot finish before this member counts it
        // done, so no newer op (task) can be published until then
        while ((int) (claim = next.getAndIncrement()) < (int) (claim >>> 32)) {
            int c = (int) claim;
            try {
                task.run(c, member);
            } catch (Throwable t) {
                failure = t;
            }
            done.incrementAndGet();
        }
    }

    private void workLoop(int index) {
        long seen = epoch;
        while (!closed) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (epoch == seen && !closed) {
                if (++spins % SPINS_PER_YIELD != 0) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.yield();
                } else {
                    parked.set(index, 1);
                    // Re-check after announcing: run() bumps epoch before it reads parked.
                    if (epoch == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked.set(index, 0);
                    spinStart = System.nanoTime();
                }
            }
            seen = epoch;
            if (!closed) {
                work(index + 1);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
