package io.jllm.models.hf;

import io.jllm.gguf.GgufTokenType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.jllm.gguf.GgufArray;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a Hugging Face byte-level BPE tokenizer ({@code tokenizer.json}, {@code tokenizer_config.json}
 * and optionally the model's {@code config.json}) into the {@code tokenizer.*} GGUF metadata that
 * llama.cpp's convert_hf_to_gguf.py writes for it.
 *
 * <p>What it follows (llama.cpp: conversion/base.py {@code get_vocab_base}, {@code _set_vocab_gpt2},
 * {@code does_token_look_special}; gguf-py/gguf/vocab.py {@code SpecialVocab}; gguf_writer.py for the
 * value types):
 * <ul>
 *   <li>{@code tokenizer.ggml.tokens}: id order, padded to {@code paddedVocabSize} with "[PAD<i>]";
 *   <li>{@code tokenizer.ggml.token_type} (INT32): vocabulary NORMAL, padding UNUSED, added tokens
 *       CONTROL when marked special or looking special ({@code <|...|>}, {@code <pad>}, ...) and
 *       USER_DEFINED otherwise (with U+2581 turned into a space);
 *   <li>{@code tokenizer.ggml.merges}: file order, pairs joined with a space;
 *   <li>special token ids (UINT32), first from tokenizer_config's {@code <type>_token} looked up in
 *       {@code added_tokens}, then from config.json's {@code <type>_token_id}; {@code add_<type>_token}
 *       (BOOL) from tokenizer_config; {@code tokenizer.chat_template} from tokenizer_config.
 * </ul>
 * Where the Python converter runs the Hugging Face tokenizer (to name the pre-tokenizer and to
 * re-normalise added tokens) jLLM relies on the file's definitions instead: see
 * {@link PreTokenizerNames}; added tokens are taken as written, which is what that round trip gives
 * for tokens matched whole. Post-processors that add tokens (Roberta/Template) are rejected, not
 * approximated.
 */
public final class HfTokenizerConverter {
    /** SpecialVocab's default special token types, in its order (which is the file's key order). */
    private enum Special {
        BOS("bos", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token"),
        EOS("eos", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_eos_token"),
        UNK("unk", "tokenizer.ggml.unknown_token_id", null),
        SEP("sep", "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.add_sep_token"),
        PAD("pad", "tokenizer.ggml.padding_token_id", null),
        // GGUFWriter has no handler for a cls id or add flag: the converter skips them, so do we.
        CLS("cls", null, null),
        MASK("mask", "tokenizer.ggml.mask_token_id", null);

        final String prefix;
        final String idKey;
        final String addKey;

        Special(String prefix, String idKey, String addKey) {
            this.prefix = prefix;
            this.idKey = idKey;
            this.addKey = addKey;
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HfTokenizerConverter() {
    }

    /** As {@link #convert(InputStream, InputStream, InputStream, int)} without a model config.json. */
    public static Map<String, GgufValue> convert(InputStream tokenizerJson, InputStream tokenizerConfig,
                                                 int paddedVocabSize) throws IOException {
        return convert(tokenizerJson, tokenizerConfig, null, paddedVocabSize);
    }

    /**
     * The {@code tokenizer.*} keys in the converter's order.
     *
     * @param tokenizerJson   tokenizer.json
     * @param tokenizerConfig tokenizer_config.json, or null if the model has none
     * @param modelConfig     the model's config.json (only its {@code <type>_token_id} fields are
     *                        read), or null
     * @param paddedVocabSize the model's vocabulary size ({@code vocab_size} in config.json), at least
     *                        one more than the highest token id
     * @return an insertion-ordered, unmodifiable map
     */
    public static Map<String, GgufValue> convert(InputStream tokenizerJson, InputStream tokenizerConfig,
                                                 InputStream modelConfig, int paddedVocabSize) throws IOException {
        HfTokenizerJson tok = HfTokenizerJson.parse(tokenizerJson, "tokenizer.json");
        JsonNode config = readSmallJson(tokenizerConfig, "tokenizer_config.json");
        JsonNode modelCfg = readSmallJson(modelConfig, "config.json");

        if (!"BPE".equals(tok.modelType())) {
            throw new TokenizerFormatException("tokenizer.json: model.type: jLLM converts byte-level BPE"
                    + " tokenizers (\"BPE\"), found " + (tok.modelType() == null ? "none" : '"' + tok.modelType() + '"'));
        }
        String pre = PreTokenizerNames.identify(tok.preTokenizer(), "tokenizer.json");
        rejectAddingPostProcessor(tok.postProcessor());
        int maxId = tok.maxId();
        if (paddedVocabSize <= maxId) {
            throw new IllegalArgumentException("paddedVocabSize " + paddedVocabSize + " is too small: tokenizer.json"
                    + " has token ids up to " + maxId + ", so the model's vocabulary needs at least " + (maxId + 1));
        }

        Map<String, GgufValue> out = new LinkedHashMap<>();
        out.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        out.put("tokenizer.ggml.pre", GgufValue.string(pre));
        addTokens(tok, config, paddedVocabSize, out);
        if (tok.merges().length > 0) {
            out.put("tokenizer.ggml.merges", GgufValue.array(new GgufArray(GgufValueType.STRING, tok.merges())));
        }
        addSpecialTokens(tok, config, modelCfg, out);
        JsonNode template = config.path("chat_template");
        if (template.isTextual()) {
            out.put("tokenizer.chat_template", GgufValue.string(template.asText()));
        } else if (!template.isMissingNode() && !template.isNull()) {
            throw new TokenizerFormatException("tokenizer_config.json: chat_template: jLLM converts a single"
                    + " template string, found " + template.getNodeType());
        }
        addNormalizerFlags(tok.normalizer(), out);
        return java.util.Collections.unmodifiableMap(out);
    }

    private static void addTokens(HfTokenizerJson tok, JsonNode config, int n, Map<String, GgufValue> out) {
        String[] tokens = new String[n];
        long[] types = new long[n];
        String[] vocab = tok.vocabById();
        for (int i = 0; i < n; i++) {
            if (i < vocab.length && vocab[i] != null) {
                tokens[i] = vocab[i];
                types[i] = GgufTokenType.NORMAL.id();
            } else {
                tokens[i] = "[PAD" + i + "]";
                types[i] = GgufTokenType.UNUSED.id();
            }
        }
        JsonNode decoder = config.path("added_tokens_decoder");
        for (HfTokenizerJson.AddedToken added : tok.addedTokens()) {
            // transformers lets tokenizer_config's added_tokens_decoder override tokenizer.json's flags.
            JsonNode override = decoder.path(Integer.toString(added.id()));
            boolean special = override.path("special").asBoolean(added.special());
            String text = added.content();
            if (special || looksSpecial(text)) {
                types[added.id()] = GgufTokenType.CONTROL.id();
            } else {
                text = text.replace('\u2581', ' ');
                types[added.id()] = GgufTokenType.USER_DEFINED.id();
            }
            tokens[added.id()] = text;
        }
        out.put("tokenizer.ggml.tokens", GgufValue.array(new GgufArray(GgufValueType.STRING, tokens)));
        out.put("tokenizer.ggml.token_type", GgufValue.array(new GgufArray(GgufValueType.INT32, types)));
    }

    /** convert_hf_to_gguf.py's does_token_look_special. */
    static boolean looksSpecial(String text) {
        return text.equals("<pad>") || text.equals("<mask>") || text.equals("<2mass>") || text.equals("[@BOS@]")
                || (text.startsWith("<|") && text.endsWith("|>"))
                || (text.startsWith("<\uFF5C") && text.endsWith("\uFF5C>"))
                || (text.startsWith("<unused") && text.endsWith(">"));
    }

    private static void addSpecialTokens(HfTokenizerJson tok, JsonNode config, JsonNode modelCfg,
                                         Map<String, GgufValue> out) throws TokenizerFormatException {
        Map<Special, Integer> ids = new LinkedHashMap<>();
        Map<Special, Boolean> adds = new LinkedHashMap<>();
        Map<String, Integer> addedByContent = new HashMap<>();
        for (HfTokenizerJson.AddedToken t : tok.addedTokens()) {
            addedByContent.putIfAbsent(t.content(), t.id());
        }
        // SpecialVocab fills bos from cls and eos from sep when only the latter are given.
        String bos = tokenText(config, Special.BOS);
        String eos = tokenText(config, Special.EOS);
        for (Special s : Special.values()) {
            JsonNode add = config.path("add_" + s.prefix + "_token");
            if (add.isBoolean()) {
                adds.put(s, add.asBoolean());
            }
            String text = tokenText(config, s);
            if (s == Special.BOS && bos == null) {
                text = tokenText(config, Special.CLS);
            } else if (s == Special.EOS && eos == null) {
                text = tokenText(config, Special.SEP);
            }
            if (text != null && addedByContent.containsKey(text)) {
                ids.putIfAbsent(s, addedByContent.get(text));
            }
        }
        for (Special s : Special.values()) {
            JsonNode id = modelCfg.path(s.prefix + "_token_id");
            if (id.isMissingNode()) {
                id = modelCfg.path("text_config").path(s.prefix + "_token_id");
            }
            if (id.isIntegralNumber()) {
                if (id.asLong() < 0) {
                    throw new TokenizerFormatException("config.json: " + s.prefix + "_token_id: negative id " + id.asLong());
                }
                ids.putIfAbsent(s, id.asInt());
            }
        }
        ids.forEach((s, id) -> {
            if (s.idKey != null) {
                out.put(s.idKey, GgufValue.uint32(id));
            }
        });
        adds.forEach((s, add) -> {
            if (s.addKey != null) {
                out.put(s.addKey, GgufValue.bool(add));
            }
        });
    }

    /** tokenizer_config's {@code <type>_token}: a string or an object with a string {@code content}. */
    private static String tokenText(JsonNode config, Special s) {
        JsonNode entry = config.path(s.prefix + "_token");
        if (entry.isTextual()) {
            return entry.asText();
        }
        JsonNode content = entry.path("content");
        return content.isTextual() ? content.asText() : null;
    }

    private static void rejectAddingPostProcessor(JsonNode postProcessor) throws TokenizerFormatException {
        JsonNode steps = postProcessor.has("processors") ? postProcessor.get("processors") : null;
        for (JsonNode step : steps != null ? steps : java.util.List.of(postProcessor)) {
            String type = step.path("type").asText("");
            if (type.equals("RobertaProcessing") || type.equals("TemplateProcessing")) {
                throw new TokenizerFormatException("tokenizer.json: post_processor: " + type + " (which adds"
                        + " special tokens around the input) is not supported by jLLM's converter");
            }
        }
    }

    /** SpecialVocab._parse_normalizer: lowercase / strip-accents flags, which byte-level BPE models rarely set. */
    private static void addNormalizerFlags(JsonNode normalizer, Map<String, GgufValue> out) {
        Boolean[] flags = new Boolean[2];
        collectNormalizerFlags(normalizer, flags);
        if (flags[0] != null) {
            out.put("tokenizer.ggml.normalizer.lowercase", GgufValue.bool(flags[0]));
        }
        if (flags[1] != null) {
            out.put("tokenizer.ggml.normalizer.strip_accents", GgufValue.bool(flags[1]));
        }
    }

    private static void collectNormalizerFlags(JsonNode normalizer, Boolean[] flags) {
        switch (normalizer.path("type").asText("")) {
            case "Lowercase" -> flags[0] = true;
            case "StripAccents" -> flags[1] = true;
            case "BertNormalizer" -> {
                if (normalizer.has("lowercase")) {
                    flags[0] = normalizer.get("lowercase").asBoolean();
                }
                if (normalizer.has("strip_accents")) {
                    flags[1] = normalizer.get("strip_accents").asBoolean();
                }
            }
            case "Sequence" -> normalizer.path("normalizers").forEach(n -> collectNormalizerFlags(n, flags));
            default -> {
            }
        }
    }

    private static JsonNode readSmallJson(InputStream in, String source) throws TokenizerFormatException, IOException {
        if (in == null) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode node = MAPPER.readTree(in);
            if (node == null || !node.isObject()) {
                throw new TokenizerFormatException(source + ": expected a JSON object at the top level");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        }
    }
}
