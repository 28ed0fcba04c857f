package io.jllm.engine.api;

import java.util.concurrent.CompletableFuture;

/**
 * A submitted request as its caller sees it: tokens arrive as the engine makes them.
 *
 * <p>One thread streams ({@link #awaitTokens}; a virtual thread blocks cheaply), any thread may
 * {@link #cancel} or wait on {@link #completion()}. Token {@code i} ({@code i < tokenCount()}) never
 * changes once visible.
 */
public interface Generation {
    /** Engine-wide unique id. */
    long id();

    int promptTokens();

    /** Prompt tokens whose keys and values came from the prefix cache. */
    int cachedPromptTokens();

    /** Tokens generated so far. */
    int tokenCount();

    /** Generated token {@code i}. */
    int token(int i);

    /** {@link System#nanoTime()} when token {@code i} was produced. */
    long tokenNanos(int i);

    /**
     * Blocks until more than {@code seen} tokens exist, the generation ends, or {@code timeoutNanos}
     * pass; returns the token count then.
     */
    int awaitTokens(int seen, long timeoutNanos) throws InterruptedException;

    /** Null while running. */
    FinishReason finishReason();

    /** What went wrong when {@link #finishReason()} is ERROR. */
    String error();

    default boolean isDone() {
        return finishReason() != null;
    }

    /** Asks the engine to stop this generation; it ends within one step with CANCELLED. */
    void cancel();

    /** Like {@link #cancel()} but ends with {@code reason} (STOP when a stop string matched). */
    void cancel(FinishReason reason);

    /** Completes (never exceptionally) when the generation has ended and its cache blocks are free. */
    CompletableFuture<Generation> completion();

    long submittedNanos();

    /** When it left the waiting queue and started to compute (0 before). */
    long admittedNanos();

    long finishedNanos();
}
