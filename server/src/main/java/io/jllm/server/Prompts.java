package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jllm.engine.tokenizer.Tokenizer;

/**
 * A request's prompt as token ids: text (special tokens written in it, such as {@code <|im_start|>},
 * become their ids, as in llama-server), an array of token ids, or an array holding one of these.
 */
final class Prompts {
    private Prompts() {
    }

    static int[] tokens(Tokenizer tokenizer, JsonNode body, String param) {
        JsonNode p = Fields.get(body, param);
        if (p == null) {
            throw ApiError.invalid(param, param + " is required");
        }
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            return single(tokenizer, p.get(0), param + "[0]");
        }
        return single(tokenizer, p, param);
    }

    private static int[] single(Tokenizer tokenizer, JsonNode p, String param) {
        if (p.isTextual()) {
            return tokenizer.encode(p.textValue(), true, true);
        }
        if (!p.isArray()) {
            throw Fields.wrongType(param, "a string or an array of token ids", p);
        }
        if (p.size() > 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            throw ApiError.invalid(param, param + " holds " + p.size() + " prompts; jLLM answers one prompt per"
                    + " request (send them as separate requests, which run in parallel)");
        }
        return tokenIds(p, param, tokenizer.vocabSize());
    }

    /** An array of token ids, each checked against the vocabulary. */
    static int[] tokenIds(JsonNode array, String param, int vocabSize) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                throw Fields.wrongType(param + "[" + i + "]", "a token id (an integer)", t);
            }
            ids[i] = tokenId(t.intValue(), param + "[" + i + "]", vocabSize);
        }
        return ids;
    }

    /** {@code id}, or a 400 naming {@code param} when it is outside the vocabulary. */
    static int tokenId(int id, String param, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw ApiError.invalid(param, param + " = " + id + " is not a token id; the vocabulary has ids 0 to "
                    + (vocabSize - 1));
        }
        return id;
    }
}
