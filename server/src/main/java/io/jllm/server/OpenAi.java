package io.jllm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Pieces of OpenAI's response shapes shared by the completions and chat endpoints. */
final class OpenAi {
    /** Makes response ids unique across restarts: the engine's generation ids start at 1 in every run. */
    private static final String RUN = HexFormat.of().toHexDigits(new SecureRandom().nextInt());

    private OpenAi() {
    }

    static String id(String prefix, long generationId) {
        return prefix + RUN + Long.toString(generationId, 36);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static ObjectNode usage(GenerationRun.Result r) {
        ObjectNode u = Json.object();
        int completion = r.tokens().length;
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", completion);
        u.put("total_tokens", r.promptTokens() + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", r.generation().cachedPromptTokens());
        return u;
    }

    /** {@code "id", "object", "created", "model"}: the start of every response and chunk. */
    static void writeHeader(JsonGenerator g, String id, String object, long created, String model) throws IOException {
        g.writeStringField("id", id);
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
        g.writeStringField("system_fingerprint", "jllm");
    }

    static ObjectNode header(String id, String object, long created, String model) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.put("system_fingerprint", "jllm");
        return o;
    }

    /**
     * Refuses what jLLM does not do rather than silently ignoring it: more than one choice
     * ({@code n}, {@code best_of}), log probabilities, and structured output ({@code response_format}
     * other than text: a client that asked for JSON must not get free text it takes for JSON).
     */
    static void checkSupported(JsonNode body) {
        Integer n = Fields.optInt(body, "n");
        if (n != null && n != 1) {
            throw ApiError.invalid("n", "n must be 1: jLLM returns one choice per request (send " + n
                    + " requests instead, which run in parallel); got " + n);
        }
        Integer bestOf = Fields.optInt(body, "best_of");
        if (bestOf != null && bestOf != 1) {
            throw ApiError.invalid("best_of", "best_of must be 1 (jLLM returns one choice per request), got " + bestOf);
        }
        JsonNode logprobs = Fields.get(body, "logprobs");
        if (logprobs != null && !(logprobs.isBoolean() && !logprobs.booleanValue())
                && !(logprobs.isIntegralNumber() && logprobs.intValue() == 0)) {
            throw ApiError.invalid("logprobs", "logprobs are not supported by jLLM; leave logprobs out");
        }
        Integer topLogprobs = Fields.optInt(body, "top_logprobs");
        if (topLogprobs != null && topLogprobs != 0) {
            throw ApiError.invalid("top_logprobs", "top_logprobs are not supported by jLLM; leave top_logprobs out");
        }
        ObjectNode format = Fields.optObject(body, "response_format", "response_format");
        if (format != null) {
            String type = Fields.optString(format, "type", "response_format.type");
            if (type != null && !"text".equals(type)) {
                throw ApiError.invalid("response_format", "response_format " + type + " is not supported by jLLM"
                        + " (no constrained decoding, so the output would not be guaranteed to parse); leave"
                        + " response_format out, or ask for the JSON in the prompt");
            }
        }
    }

    /** {@code stream_options.include_usage}. */
    static boolean includeUsage(JsonNode body) {
        ObjectNode options = Fields.optObject(body, "stream_options", "stream_options");
        return options != null
                && Boolean.TRUE.equals(Fields.optBool(options, "include_usage", "stream_options.include_usage"));
    }

    /** The chunk after the last choice when usage was asked for: no choices, the usage. */
    static ObjectNode usageChunk(String id, String object, long created, String model, GenerationRun.Result r) {
        ObjectNode chunk = header(id, object, created, model);
        chunk.putArray("choices");
        chunk.set("usage", usage(r));
        return chunk;
    }

    /**
     * Ends an OpenAI stream: the chunk with the finish reason (or, if the generation failed, an error
     * event), the usage chunk when asked for (non-null), then {@code [DONE]}.
     */
    static void endStream(EventStream events, GenerationRun.Result r, EventStream.JsonWriter finish,
            ObjectNode usageChunk) {
        if (r.error() != null) {
            events.event(ErrorResponses.body(ApiError.internal("generation failed: " + r.error())));
        } else {
            events.event(finish);
            if (usageChunk != null) {
                events.event(usageChunk);
            }
        }
        events.done();
        events.close();
    }
}
