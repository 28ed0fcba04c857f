package io.jllm.models.hf;

import io.jllm.gguf.GgufTokenType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The converter's rules on small hand-written tokenizers, including the ones Qwen3 does not exercise. */
class HfTokenizerConverterTest {
    private static final String PRE = """
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": "%s"}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}"""
            .formatted(PreTokenizerNames.QWEN2_REGEX.replace("\\", "\\\\"));

    private static String tokenizer(String merges, String added, String extra) {
        return """
                {"version": "1.0", "added_tokens": [%s], "normalizer": {"type": "NFC"}, "pre_tokenizer": %s,
                 "post_processor": {"type": "ByteLevel"}, %s
                 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 4}, "merges": [%s]}}"""
                .formatted(added, PRE, extra, merges);
    }

    private static final String ADDED = """
            {"id": 5, "content": "<|end|>", "special": true, "normalized": false},
            {"id": 6, "content": "<|fim|>", "special": false, "normalized": false},
            {"id": 7, "content": "<x\u2581y>", "special": false, "normalized": false}""";

    @Test
    void vocabularyHolesAndPaddingBecomeUnusedPadTokens() throws IOException {
        GgufMetadata m = convert(tokenizer("\"a b\"", ADDED, ""), "{}", null, 10);
        assertArrayEquals(new String[] {"a", "b", "ab", "[PAD3]", "Ġ", "<|end|>", "<|fim|>", "<x y>", "[PAD8]", "[PAD9]"},
                m.stringArray("tokenizer.ggml.tokens"));
        assertArrayEquals(new int[] {1, 1, 1, 5, 1, 3, 3, 4, 5, 5}, m.intArray("tokenizer.ggml.token_type"));
    }

    @Test
    void mergePairsAreJoinedWithSpacesInsidePartsEncoded() throws IOException {
        GgufMetadata m = convert(tokenizer("[\"a\", \"b\"], [\"a b\", \"c\"]", ADDED, ""), "{}", null, 8);
        assertArrayEquals(new String[] {"a b", "aĠb c"}, m.stringArray("tokenizer.ggml.merges"));
    }

    @Test
    void tokenizerConfigFlagsOverrideTokenizerJson() throws IOException {
        String config = "{\"added_tokens_decoder\": {\"7\": {\"content\": \"<x\u2581y>\", \"special\": true}}}";
        GgufMetadata m = convert(tokenizer("\"a b\"", ADDED, ""), config, null, 8);
        assertEquals("<x\u2581y>", m.stringArray("tokenizer.ggml.tokens")[7]);
        assertEquals(GgufTokenType.CONTROL.id(), m.intArray("tokenizer.ggml.token_type")[7]);
    }

    @Test
    void specialIdsComeFromTheConfigThenFromConfigJsonInSpecialVocabOrder() throws IOException {
        String config = """
                {"eos_token": "<|end|>", "pad_token": {"content": "<|fim|>"}, "bos_token": null,
                 "add_bos_token": false, "add_eos_token": true, "chat_template": "{{ messages }}"}""";
        String modelConfig = "{\"bos_token_id\": 6, \"eos_token_id\": 1, \"unk_token_id\": 0}";
        Map<String, GgufValue> map = HfTokenizerConverter.convert(in(tokenizer("\"a b\"", ADDED, "")), in(config),
                in(modelConfig), 8);
        assertEquals(List.of("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens",
                "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.ggml.eos_token_id",
                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.unknown_token_id",
                "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token", "tokenizer.chat_template"),
                List.copyOf(map.keySet()));
        GgufMetadata m = new GgufMetadata("t", map);
        assertEquals(5, m.int32("tokenizer.ggml.eos_token_id")); // the config's eos wins over config.json's
        assertEquals(6, m.int32("tokenizer.ggml.padding_token_id"));
        assertEquals(6, m.int32("tokenizer.ggml.bos_token_id"));
        assertEquals(0, m.int32("tokenizer.ggml.unknown_token_id"));
        assertFalse(m.bool("tokenizer.ggml.add_bos_token"));
        assertTrue(m.bool("tokenizer.ggml.add_eos_token"));
        assertEquals("{{ messages }}", m.string("tokenizer.chat_template"));
    }

    @Test
    void clsAndSepStandInForMissingBosAndEos() throws IOException {
        GgufMetadata m = convert(tokenizer("\"a b\"", ADDED, ""), "{\"cls_token\": \"<|fim|>\", \"sep_token\": \"<|end|>\"}",
                null, 8);
        assertEquals(6, m.int32("tokenizer.ggml.bos_token_id"));
        assertEquals(5, m.int32("tokenizer.ggml.eos_token_id"));
        assertEquals(5, m.int32("tokenizer.ggml.seperator_token_id"));
    }

    @Test
    void lowercasingNormalizersAreRecorded() throws IOException {
        String json = tokenizer("\"a b\"", ADDED, "").replace("{\"type\": \"NFC\"}",
                "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Lowercase\"}]}");
        GgufMetadata m = convert(json, "{}", null, 8);
        assertTrue(m.bool("tokenizer.ggml.normalizer.lowercase"));
        assertFalse(m.has("tokenizer.ggml.normalizer.strip_accents"));
    }

    @Test
    void withoutATokenizerConfigOnlyTheVocabularyIsWritten() throws IOException {
        Map<String, GgufValue> map = HfTokenizerConverter.convert(in(tokenizer("\"a b\"", ADDED, "")), null, 8);
        assertEquals(List.of("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens",
                "tokenizer.ggml.token_type", "tokenizer.ggml.merges"), List.copyOf(map.keySet()));
    }

    @Test
    void looksSpecialFollowsTheConverter() {
        assertTrue(HfTokenizerConverter.looksSpecial("<|im_start|>"));
        assertTrue(HfTokenizerConverter.looksSpecial("<pad>"));
        assertTrue(HfTokenizerConverter.looksSpecial("<unused12>"));
        assertTrue(HfTokenizerConverter.looksSpecial("<\uFF5Cbegin\uFF5C>"));
        assertFalse(HfTokenizerConverter.looksSpecial("<think>"));
        assertFalse(HfTokenizerConverter.looksSpecial("<|partial"));
    }

    @Test
    void malformedJsonIsReportedWithItsLine() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> convert("{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": }}}", "{}", null, 8));
        assertTrue(e.getMessage().startsWith("tokenizer.json: not valid JSON") && e.getMessage().contains("line 2"),
                e.getMessage());
    }

    @Test
    void wrongFieldTypesNameTheField() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> convert("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}}}", "{}", null, 8));
        assertTrue(e.getMessage().contains("model.vocab[\"a\"]: expected an integer id"), e.getMessage());
        e = assertThrows(TokenizerFormatException.class,
                () -> convert("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}}}", "{}", null, 8));
        assertTrue(e.getMessage().contains("id 0 is also used by \"a\""), e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> convert("{\"added_tokens\": []}", "{}", null, 8));
        assertTrue(e.getMessage().contains("model: missing"), e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> convert(tokenizer("\"a b\"", ADDED, ""), "[1]", null, 8));
        assertTrue(e.getMessage().startsWith("tokenizer_config.json: expected a JSON object"), e.getMessage());
    }

    @Test
    void tokenizersJllmCannotConvertFaithfullyAreRefused() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> convert(tokenizer("\"a b\"", ADDED, "").replace("\"BPE\"", "\"Unigram\""), "{}", null, 8));
        assertTrue(e.getMessage().contains("model.type: jLLM converts byte-level BPE"), e.getMessage());
        e = assertThrows(TokenizerFormatException.class,
                () -> convert(tokenizer("\"a b\"", ADDED, "").replace("\\\\p{N}|", "\\\\p{N}{1,3}|"), "{}", null, 8));
        assertTrue(e.getMessage().contains("pre_tokenizer: not one jLLM recognises"), e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> convert(tokenizer("\"a b\"", ADDED, "")
                .replace("{\"type\": \"ByteLevel\"}", "{\"type\": \"TemplateProcessing\"}"), "{}", null, 8));
        assertTrue(e.getMessage().contains("TemplateProcessing"), e.getMessage());
    }

    @Test
    void aPaddedSizeBelowTheHighestIdIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> convert(tokenizer("\"a b\"", ADDED, ""), "{}", null, 7));
        assertEquals("paddedVocabSize 7 is too small: tokenizer.json has token ids up to 7, so the model's"
                + " vocabulary needs at least 8", e.getMessage());
    }

    private static GgufMetadata convert(String json, String config, String modelConfig, int n) throws IOException {
        return new GgufMetadata("test", HfTokenizerConverter.convert(in(json), in(config), in(modelConfig), n));
    }

    private static InputStream in(String s) {
        return s == null ? null : new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
