package io.jllm.bench.serve;

/**
 * One request as its client saw it ({@link System#nanoTime()} stamps).
 *
 * @param start       when it was sent
 * @param firstToken  when its first token arrived, or -1 where the client cannot see it (non-streaming HTTP)
 * @param end         when its answer was complete
 * @param tokens      tokens generated
 * @param error       null, or what went wrong (e.g. "HTTP 503", "IOException")
 */
public record RequestTiming(long start, long firstToken, long end, int tokens, String error) {
    public static RequestTiming failed(long start, long end, String error) {
        return new RequestTiming(start, -1, end, 0, error);
    }

    public boolean ok() {
        return error == null;
    }

    public double ttftMillis() {
        return firstToken < 0 ? Double.NaN : (firstToken - start) / 1e6;
    }

    public double latencyMillis() {
        return (end - start) / 1e6;
    }
}
