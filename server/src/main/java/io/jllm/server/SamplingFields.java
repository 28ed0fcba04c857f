package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jllm.engine.sampling.LogitBias;
import io.jllm.engine.sampling.SamplingParams;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Sampling fields of a request, in llama-server's and OpenAI's names, as {@link SamplingParams}. Defaults
 * are llama-server's (SamplingParams' own); a value out of range is a 400 naming the request's field.
 */
final class SamplingFields {
    /** SamplingParams' component names, as they start its validation messages, to the request's names. */
    private static final Map<String, String> WIRE_NAMES = Map.ofEntries(
            Map.entry("temperature", "temperature"), Map.entry("topK", "top_k"), Map.entry("topP", "top_p"),
            Map.entry("minP", "min_p"), Map.entry("repetitionPenalty", "repeat_penalty"),
            Map.entry("frequencyPenalty", "frequency_penalty"), Map.entry("presencePenalty", "presence_penalty"),
            Map.entry("penaltyLastN", "repeat_last_n"), Map.entry("maxTokens", "max_tokens"),
            Map.entry("stop", "stop"), Map.entry("seed", "seed"));

    private SamplingFields() {
    }

    /**
     * Reads the sampling fields of {@code body}.
     *
     * @param vocabSize     the model's vocabulary, which {@code logit_bias} ids must be in
     * @param maxTokenNames the request's names for the token limit, first present wins
     *                      (OpenAI's chat API prefers {@code max_completion_tokens} to {@code max_tokens})
     */
    static SamplingParams read(JsonNode body, int vocabSize, String... maxTokenNames) {
        SamplingParams.Builder b = SamplingParams.builder();
        number(body, "temperature", b::temperature);
        integer(body, "top_k", b::topK);
        number(body, "top_p", b::topP);
        number(body, "min_p", b::minP);
        number(body, "repeat_penalty", b::repetitionPenalty);
        integer(body, "repeat_last_n", b::penaltyLastN);
        number(body, "frequency_penalty", b::frequencyPenalty);
        number(body, "presence_penalty", b::presencePenalty);
        Long seed = Fields.optLong(body, "seed");
        if (seed != null) {
            b.seed(seed);
        }
        Boolean ignoreEos = Fields.optBool(body, "ignore_eos");
        if (ignoreEos != null) {
            b.ignoreEos(ignoreEos);
        }
        b.stop(Fields.stringOrStrings(body, "stop"));
        b.logitBias(logitBias(body, vocabSize));
        for (String name : maxTokenNames) {
            Integer max = Fields.optInt(body, name);
            if (max != null) {
                if (max == 0 || max < -1) {
                    throw ApiError.invalid(name, name + " must be a positive integer (or -1: until the context is"
                            + " full), got " + max);
                }
                b.maxTokens(max);
                break;
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw renamed(e.getMessage());
        }
    }

    /**
     * {@code logit_bias} in OpenAI's form, an object from token id (as a string) to a number, or llama-server's,
     * an array of {@code [id, bias]} pairs where a bias of {@code false} bans the token. Token ids only: a key
     * that is text (which llama-server would tokenize) is a 400 that says so.
     */
    static LogitBias logitBias(JsonNode body, int vocabSize) {
        JsonNode v = Fields.get(body, "logit_bias");
        if (v == null) {
            return LogitBias.NONE;
        }
        Map<Integer, Float> bias = new HashMap<>();
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String param = "logit_bias." + e.getKey();
                bias.put(keyId(e.getKey(), param, vocabSize), biasValue(e.getValue(), param));
            }
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                JsonNode pair = v.get(i);
                String param = "logit_bias[" + i + "]";
                if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isIntegralNumber()
                        || !pair.get(0).canConvertToInt()) {
                    throw Fields.wrongType(param, "a pair [token id, bias]", pair);
                }
                bias.put(Prompts.tokenId(pair.get(0).intValue(), param, vocabSize), biasValue(pair.get(1), param));
            }
        } else {
            throw Fields.wrongType("logit_bias", "an object {\"token id\": bias} or an array of [token id, bias]", v);
        }
        return LogitBias.of(bias);
    }

    /** An object key of OpenAI's form: a token id written as a string. */
    private static int keyId(String key, String param, int vocabSize) {
        try {
            return Prompts.tokenId(Integer.parseInt(key.strip()), param, vocabSize);
        } catch (NumberFormatException e) {
            throw ApiError.invalid(param, param + ": logit_bias keys must be token ids (integers), got \"" + key
                    + "\"; POST /tokenize turns text into ids");
        }
    }

    private static float biasValue(JsonNode v, String param) {
        if (v.isBoolean() && !v.booleanValue()) {
            return Float.NEGATIVE_INFINITY;
        }
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw Fields.wrongType(param, "a number (OpenAI: -100 to 100) or false (banned)", v);
        }
        return (float) v.doubleValue();
    }

    private static void number(JsonNode body, String name, FloatConsumer set) {
        Double d = Fields.optNumber(body, name);
        if (d != null) {
            set.accept(d.floatValue());
        }
    }

    private static void integer(JsonNode body, String name, IntConsumer set) {
        Integer i = Fields.optInt(body, name);
        if (i != null) {
            set.accept(i);
        }
    }

    /** A builder setter taking a float. */
    private interface FloatConsumer {
        void accept(float value);
    }

    /** SamplingParams names its own components; the client should read its own field names. */
    private static ApiError renamed(String message) {
        int end = 0;
        while (end < message.length() && Character.isLetter(message.charAt(end))) {
            end++;
        }
        String wire = WIRE_NAMES.get(message.substring(0, end));
        if (wire == null) {
            return ApiError.invalid(null, message);
        }
        return ApiError.invalid(wire, wire + message.substring(end));
    }
}
