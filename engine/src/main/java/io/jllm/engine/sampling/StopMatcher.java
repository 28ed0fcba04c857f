package io.jllm.engine.sampling;

import java.util.List;

/**
 * Watches streamed output text for stop strings. Each {@link #push} of a decoded piece says which text is safe to
 * emit now; text that could still turn out to be the start of a stop string is held back until the next pieces
 * decide it. When a stop string completes, everything before its first occurrence is emitted and the stop string
 * itself and anything after it are dropped (as OpenAI and llama-server do), and the matcher is finished.
 *
 * <p>Stops may span any number of pieces and may overlap one another; among the stop strings present when one
 * completes, the one starting earliest wins. Not thread-safe: one per sequence.
 */
public final class StopMatcher {
    /** What one {@link #push} produced. */
    public record Step(String emit, boolean stopped, String stop) {
        static final Step NOTHING = new Step("", false, null);
    }

    private final List<String> stops;
    private String held = "";
    private String matched;

    /** @param stops non-empty stop strings, possibly none at all */
    public StopMatcher(List<String> stops) {
        if (stops == null) {
            throw new IllegalArgumentException("stops must be a list (possibly empty), got null");
        }
        for (int i = 0; i < stops.size(); i++) {
            String s = stops.get(i);
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stops[" + i + "] must be a non-empty string");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /**
     * Adds the next piece of decoded text.
     *
     * @return the text that may be emitted now, and whether a stop string completed (then which one)
     * @throws IllegalStateException if a stop string has already completed
     */
    public Step push(String piece) {
        if (matched != null) {
            throw new IllegalStateException("stop string \"" + matched + "\" already completed; nothing may follow");
        }
        if (piece == null) {
            throw new IllegalArgumentException("piece must not be null");
        }
        if (piece.isEmpty()) {
            return Step.NOTHING;
        }
        String text = held.isEmpty() ? piece : held + piece;
        // Only occurrences that end inside the new piece can be new: earlier ones would have stopped already.
        int searchFrom = Math.max(0, held.length() - longestStop() + 1);
        int earliest = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, searchFrom);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                matched = stop;
            }
        }
        if (earliest >= 0) {
            held = "";
            return new Step(text.substring(0, earliest), true, matched);
        }
        int keep = longestSuffixStartingAStop(text);
        held = text.substring(text.length() - keep);
        return new Step(text.substring(0, text.length() - keep), false, null);
    }

    /** Text held back so far because it might begin a stop string. */
    public String heldBack() {
        return held;
    }

    /** Whether a stop string has completed. */
    public boolean stopped() {
        return matched != null;
    }

    /**
     * Ends the stream (end-of-sequence or token limit): the held-back text was not a stop after all and is
     * returned for emitting. Returns "" after a stop.
     */
    public String flush() {
        String rest = held;
        held = "";
        return rest;
    }

    private int longestStop() {
        int n = 0;
        for (String stop : stops) {
            n = Math.max(n, stop.length());
        }
        return n;
    }

    /** The length of the longest suffix of {@code text} that is a proper prefix of some stop string. */
    private int longestSuffixStartingAStop(String text) {
        int best = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > best; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
