package io.jllm.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.GgufArray;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * TEMPORARY, test-only: builds the tokenizer.ggml.* keys a real Qwen3 GGUF carries from the bundled
 * Hugging Face tokenizer.json, following llama.cpp's convert_hf_to_gguf.py get_vocab_base() (ids
 * without a token become "[PAD<id>]" UNUSED; added tokens are CONTROL when special or shaped like
 * "<|...|>", else USER_DEFINED). To be replaced by the models module's converter once it lands.
 */
final class TemporaryQwen3Metadata {
    static final int VOCAB_SIZE = 151_936;
    private static final String RESOURCE = "/io/jllm/models/qwen3/tokenizer.json.gz";

    private TemporaryQwen3Metadata() {
    }

    static GgufMetadata load() {
        JsonNode json;
        try (InputStream in = TemporaryQwen3Metadata.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the test class path (module models)");
            }
            json = new ObjectMapper().readTree(new GZIPInputStream(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Integer, String> byId = new HashMap<>();
        json.get("model").get("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        for (JsonNode t : json.get("added_tokens")) {
            added.put(t.get("id").asInt(), t);
            byId.put(t.get("id").asInt(), t.get("content").asText());
        }
        String[] tokens = new String[VOCAB_SIZE];
        long[] types = new long[VOCAB_SIZE];
        for (int id = 0; id < VOCAB_SIZE; id++) {
            String text = byId.get(id);
            if (text == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = TokenType.UNUSED.id();
            } else if (added.containsKey(id)) {
                tokens[id] = text;
                boolean control = added.get(id).get("special").asBoolean()
                        || (text.startsWith("<|") && text.endsWith("|>"));
                types[id] = (control ? TokenType.CONTROL : TokenType.USER_DEFINED).id();
            } else {
                tokens[id] = text;
                types[id] = TokenType.NORMAL.id();
            }
        }
        JsonNode mergesJson = json.get("model").get("merges");
        String[] merges = new String[mergesJson.size()];
        for (int i = 0; i < merges.length; i++) {
            JsonNode m = mergesJson.get(i);
            merges[i] = m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText();
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("qwen3"));
        kv.put(Vocabulary.KEY_MODEL, GgufValue.string("gpt2"));
        kv.put(Vocabulary.KEY_PRE, GgufValue.string("qwen2"));
        kv.put(Vocabulary.KEY_TOKENS, GgufValue.array(new GgufArray(GgufValueType.STRING, tokens)));
        kv.put(Vocabulary.KEY_TOKEN_TYPE, GgufValue.array(new GgufArray(GgufValueType.INT32, types)));
        kv.put(Vocabulary.KEY_MERGES, GgufValue.array(new GgufArray(GgufValueType.STRING, merges)));
        kv.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(151_643));
        kv.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(151_645));
        kv.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(151_643));
        kv.put(Vocabulary.KEY_ADD_BOS, GgufValue.bool(false));
        return new GgufMetadata("bundled Qwen3 tokenizer.json", kv);
    }
}
