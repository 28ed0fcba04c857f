package io.jllm.engine.scheduler;

import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off between the scheduler thread (sole writer of tokens and the ending) and the
 * caller's thread (reader). No locks: a token is written, then the volatile count published,
 * then the waiting reader unparked; the reader announces itself before re-checking the count,
 * so one of the two always sees the other.
 */
final class GenerationState implements Generation {
    private final long id;
    final GenerationRequest request;
    private final long submittedNanos;
    final long deadlineNanos;

    private volatile int[] tokens;
    private volatile long[] nanos;
    private volatile int count;
    private volatile FinishReason finish;
    private volatile String error;
    private volatile FinishReason cancelRequest;
    private volatile Thread waiter;
    private volatile long admittedNanos;
    private volatile long finishedNanos;
    private volatile int cachedPromptTokens;
    private final CompletableFuture<Generation> completion = new CompletableFuture<>();

    GenerationState(long id, GenerationRequest request, int expectedTokens, long submittedNanos) {
        this.id = id;
        this.request = request;
        this.submittedNanos = submittedNanos;
        this.deadlineNanos = request.timeout() == null ? Long.MAX_VALUE
                : submittedNanos + request.timeout().toNanos();
        int initial = Math.max(16, Math.min(expectedTokens, 1024));
        this.tokens = new int[initial];
        this.nanos = new long[initial];
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int promptTokens() {
        return request.prompt().length;
    }

    @Override
    public int cachedPromptTokens() {
        return cachedPromptTokens;
    }

    @Override
    public int tokenCount() {
        return count;
    }

    @Override
    public int token(int i) {
        checkIndex(i);
        return tokens[i];
    }

    @Override
    public long tokenNanos(int i) {
        checkIndex(i);
        return nanos[i];
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("token " + i + " of " + count + " generated so far");
        }
    }

    @Override
    public int awaitTokens(int seen, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        waiter = Thread.currentThread();
        try {
            while (true) {
                int c = count;
                if (c > seen || finish != null) {
                    return count;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return c;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter = null;
        }
    }

    @Override
    public FinishReason finishReason() {
        return finish;
    }

    @Override
    public String error() {
        return error;
    }

    @Override
    public void cancel() {
        cancel(FinishReason.CANCELLED);
    }

    @Override
    public void cancel(FinishReason reason) {
        if (cancelRequest == null) {
            cancelRequest = reason;
        }
    }

    FinishReason cancelRequest() {
        return cancelRequest;
    }

    @Override
    public CompletableFuture<Generation> completion() {
        return completion;
    }

    @Override
    public long submittedNanos() {
        return submittedNanos;
    }

    @Override
    public long admittedNanos() {
        return admittedNanos;
    }

    @Override
    public long finishedNanos() {
        return finishedNanos;
    }

    // ---- scheduler side ----

    void admitted(long now, int cachedTokens) {
        if (admittedNanos == 0) {
            admittedNanos = now;
        }
        cachedPromptTokens = cachedTokens;
    }

    /** Appends a token; the scheduler thread only. */
    void publish(int token, long now) {
        int c = count;
        int[] t = tokens;
        long[] n = nanos;
        if (c == t.length) {
            t = Arrays.copyOf(t, t.length * 2);
            n = Arrays.copyOf(n, n.length * 2);
            nanos = n;
            tokens = t;
        }
        t[c] = token;
        n[c] = now;
        count = c + 1;
        wake();
    }

    /** Ends the generation; the scheduler thread only, after its blocks are released. */
    void finish(FinishReason reason, String message, long now) {
        if (finish != null) {
            return;
        }
        error = message;
        finishedNanos = now;
        finish = reason;
        wake();
        completion.complete(this);
    }

    private void wake() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
