package io.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jllm.engine.api.Generation;

/**
 * Where one request's time went, in llama-server's {@code timings} terms: waiting in the queue,
 * prompt processing (admission to first token), and generation (the tokens after the first, over the
 * time after the first), plus the time to first token seen by the client.
 *
 * @param promptProcessed prompt tokens computed (not served from the prefix cache)
 */
record RequestTimings(double queueMs, int promptProcessed, int cachedPrompt, double promptMs, int predicted,
        double predictedMs, double ttftMs) {

    static RequestTimings of(Generation g, int tokens) {
        long admitted = g.admittedNanos();
        long end = g.finishedNanos() != 0 ? g.finishedNanos() : System.nanoTime();
        double queue = admitted == 0 ? (end - g.submittedNanos()) / 1e6 : (admitted - g.submittedNanos()) / 1e6;
        long first = tokens > 0 ? g.tokenNanos(0) : end;
        long last = tokens > 0 ? g.tokenNanos(tokens - 1) : first;
        double prompt = admitted == 0 ? 0 : (first - admitted) / 1e6;
        double ttft = tokens > 0 ? (first - g.submittedNanos()) / 1e6 : 0;
        return new RequestTimings(queue, g.promptTokens() - g.cachedPromptTokens(), g.cachedPromptTokens(), prompt,
                tokens, (last - first) / 1e6, ttft);
    }

    double promptPerSecond() {
        return promptMs > 0 ? promptProcessed * 1000.0 / promptMs : 0;
    }

    double predictedPerSecond() {
        return predicted > 1 && predictedMs > 0 ? (predicted - 1) * 1000.0 / predictedMs : 0;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("queue_ms", queueMs);
        o.put("prompt_n", promptProcessed);
        o.put("cached_n", cachedPrompt);
        o.put("prompt_ms", promptMs);
        o.put("prompt_per_second", promptPerSecond());
        o.put("predicted_n", predicted);
        o.put("predicted_ms", predictedMs);
        o.put("predicted_per_second", predictedPerSecond());
        o.put("ttft_ms", ttftMs);
        return o;
    }
}
