package io.jllm.engine.api;

/**
 * A request the engine will not take: the waiting queue is full (retry later), or the engine is
 * shutting down, or the request cannot fit (prompt and max tokens beyond the context).
 */
public class RejectedException extends RuntimeException {
    /** Why it was rejected, so a server can pick the status code. */
    public enum Reason { QUEUE_FULL, SHUTTING_DOWN, TOO_LONG }

    private final Reason reason;

    public RejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
