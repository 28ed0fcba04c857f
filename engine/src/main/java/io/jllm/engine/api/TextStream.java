package io.jllm.engine.api;

import io.jllm.engine.sampling.StopMatcher;
import io.jllm.engine.tokenizer.StreamingDecoder;
import io.jllm.engine.tokenizer.Tokenizer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns a {@link Generation}'s tokens into text on the reading thread: whole UTF-8 characters
 * only, with stop strings applied (text that may be the start of a stop string is held back;
 * a completed stop string is cut, and the generation is cancelled with {@link FinishReason#STOP}).
 * Doing this here keeps detokenizing and string matching off the scheduler's thread.
 *
 * <p>Usage: {@code while ((piece = stream.next(timeout)) != null) { ...emit piece... }} then
 * {@link #finishReason()}. A piece may be empty (a token that completed no character yet, or
 * held-back text); {@link #tokensRead()} tells how many tokens it covers so far.
 */
public final class TextStream {
    private final Generation generation;
    private final StreamingDecoder decoder;
    private final StopMatcher stops;
    private int read;
    private boolean stopped;
    private boolean ended;
    private String stopString;

    public TextStream(Generation generation, Tokenizer tokenizer, List<String> stopStrings) {
        this.generation = generation;
        this.decoder = tokenizer.streamingDecoder(false);
        this.stops = new StopMatcher(stopStrings);
    }

    /**
     * Waits up to {@code timeout} for more text. Returns the text now safe to emit (possibly
     * empty when the wait timed out or a token completed nothing), or null once the generation
     * has ended and all its text was returned.
     */
    public String next(long timeout, TimeUnit unit) throws InterruptedException {
        return next(timeout, unit, Integer.MAX_VALUE);
    }

    /**
     * As {@link #next(long, TimeUnit)}, but consumes at most {@code maxTokens} tokens, so a caller
     * can emit one event per token (a server's per-token stream) even when several are waiting.
     */
    public String next(long timeout, TimeUnit unit, int maxTokens) throws InterruptedException {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (ended) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        if (!stopped) {
            int count = generation.awaitTokens(read, unit.toNanos(timeout));
            int limit = (int) Math.min(count, (long) read + maxTokens);
            while (!stopped && read < limit) {
                push(decoder.accept(generation.token(read++)), out);
            }
        }
        boolean finished = stopped || (generation.isDone() && read >= generation.tokenCount());
        if (!finished) {
            return out.toString();
        }
        if (!stopped) {
            push(decoder.finish(), out);
            if (!stopped) {
                out.append(stops.flush());
            }
        }
        ended = true;
        return out.isEmpty() ? null : out.toString();
    }

    private void push(String piece, StringBuilder out) {
        if (piece.isEmpty()) {
            return;
        }
        StopMatcher.Step step = stops.push(piece);
        out.append(step.emit());
        if (step.stopped()) {
            stopped = true;
            stopString = step.stop();
            generation.cancel(FinishReason.STOP);
        }
    }

    /** Reads everything to the end and returns the text. */
    public String readAll() throws InterruptedException {
        StringBuilder all = new StringBuilder();
        String piece;
        while ((piece = next(1, TimeUnit.SECONDS)) != null) {
            all.append(piece);
        }
        return all.toString();
    }

    /** STOP when a stop string matched, else the generation's own reason (null while running). */
    public FinishReason finishReason() {
        return stopped ? FinishReason.STOP : generation.finishReason();
    }

    /** The stop string that matched, or null. */
    public String stopString() {
        return stopString;
    }

    /** Generated tokens consumed into text so far (after a stop, the tokens up to it). */
    public int tokensRead() {
        return read;
    }

    public boolean ended() {
        return ended;
    }
}
