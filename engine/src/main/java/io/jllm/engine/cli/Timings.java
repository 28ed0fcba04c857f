package io.jllm.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.InferenceEngine;

/**
 * What one generation cost, as llama.cpp reports it: prompt processing from admission to the
 * first token, and generation speed over the tokens after the first.
 */
record Timings(long loadMillis, int promptTokens, double promptMillis, int generated, double generateMillis) {
    static Timings of(InferenceEngine e, Generation g, int generated) {
        long first = generated > 0 ? g.tokenNanos(0) : g.finishedNanos();
        long last = generated > 0 ? g.tokenNanos(generated - 1) : first;
        return new Timings(e.loadMillis(), g.promptTokens(), (first - g.admittedNanos()) / 1e6, generated,
                (last - first) / 1e6);
    }

    double promptPerSecond() {
        return promptMillis > 0 ? promptTokens * 1000.0 / promptMillis : 0;
    }

    /** Tokens after the first, per second of the time after the first. */
    double generatePerSecond() {
        return generated > 1 && generateMillis > 0 ? (generated - 1) * 1000.0 / generateMillis : 0;
    }

    String line() {
        return String.format("load %d ms | prompt %d tokens, %.1f ms, %.1f t/s | generated %d tokens, %.1f ms, %.1f t/s",
                loadMillis, promptTokens, promptMillis, promptPerSecond(), generated, generateMillis, generatePerSecond());
    }

    ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("load_ms", loadMillis);
        o.put("prompt_tokens", promptTokens);
        o.put("prompt_ms", promptMillis);
        o.put("prompt_per_second", promptPerSecond());
        o.put("generated_tokens", generated);
        o.put("generate_ms", generateMillis);
        o.put("generate_per_second", generatePerSecond());
        return o;
    }
}
