package io.jllm.models.hf;

import io.jllm.gguf.GgufTokenType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled Qwen3 tokenizer as GGUF metadata, checked against what real Qwen3 GGUFs carry. */
class Qwen3TokenizerTest {
    private static Map<String, GgufValue> map;
    private static GgufMetadata meta;
    private static String[] tokens;
    private static int[] types;

    @BeforeAll
    static void convert() {
        map = Qwen3Tokenizer.bundledMetadata(Qwen3Tokenizer.QWEN3_VOCAB_SIZE);
        meta = new GgufMetadata("bundled", map);
        tokens = meta.stringArray("tokenizer.ggml.tokens");
        types = meta.intArray("tokenizer.ggml.token_type");
    }

    @Test
    void keysComeInTheConvertersOrder() {
        assertEquals(List.of("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens",
                "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.ggml.eos_token_id",
                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token",
                "tokenizer.chat_template"), List.copyOf(map.keySet()));
        assertEquals("gpt2", meta.string("tokenizer.ggml.model"));
        assertEquals("qwen2", meta.string("tokenizer.ggml.pre"));
    }

    @Test
    void tokensArePaddedToTheModelVocabulary() {
        assertEquals(151_936, tokens.length);
        assertEquals(151_936, types.length);
        assertEquals(151_643, count(GgufTokenType.NORMAL));
        assertEquals(26, count(GgufTokenType.CONTROL) + count(GgufTokenType.USER_DEFINED));
        assertEquals(151_936 - 151_669, count(GgufTokenType.UNUSED));
        assertEquals("[PAD151669]", tokens[151_669]);
        assertEquals("[PAD151935]", tokens[151_935]);
        assertEquals(GgufTokenType.UNUSED.id(), types[151_669]);
    }

    @Test
    void spotTokensMatchTheVocabulary() {
        assertEquals("!", tokens[0]); // byte-level tokens: the first 256 ids are single bytes
        assertEquals("Ā", tokens[188]);
        assertEquals("Ġthe", tokens[279]);
        assertEquals("the", tokens[1782]);
        assertEquals("Ċ", tokens[198]);
        assertEquals("Hello", tokens[9707]);
        assertEquals("ĠĠ", tokens[256]);
        assertEquals(GgufTokenType.NORMAL.id(), types[279]);
    }

    @Test
    void addedTokensAreControlOrUserDefinedLikeTheConverterMakesThem() {
        assertToken(151_643, "<|endoftext|>", GgufTokenType.CONTROL);
        assertToken(151_644, "<|im_start|>", GgufTokenType.CONTROL);
        assertToken(151_645, "<|im_end|>", GgufTokenType.CONTROL);
        // not marked special, but <|...|> looks special to the converter
        assertToken(151_659, "<|fim_prefix|>", GgufTokenType.CONTROL);
        assertToken(151_664, "<|file_sep|>", GgufTokenType.CONTROL);
        assertToken(151_657, "<tool_call>", GgufTokenType.USER_DEFINED);
        assertToken(151_666, "</tool_response>", GgufTokenType.USER_DEFINED);
        assertToken(151_667, "<think>", GgufTokenType.USER_DEFINED);
        assertToken(151_668, "</think>", GgufTokenType.USER_DEFINED);
        assertEquals(20, count(GgufTokenType.CONTROL));
    }

    @Test
    void mergesAreInFileOrder() {
        String[] merges = meta.stringArray("tokenizer.ggml.merges");
        assertEquals(151_387, merges.length);
        assertEquals("Ġ Ġ", merges[0]);
        assertEquals("ĠĠ ĠĠ", merges[1]);
        assertEquals("i n", merges[2]);
        assertEquals("â½ Ĺ", merges[merges.length - 1]);
    }

    @Test
    void specialIdsAndFlagsAreTheRealQwen3Ones() throws Exception {
        assertEquals(151_645, meta.int32("tokenizer.ggml.eos_token_id"));
        assertEquals(151_643, meta.int32("tokenizer.ggml.padding_token_id"));
        assertEquals(151_643, meta.int32("tokenizer.ggml.bos_token_id"));
        assertEquals(GgufValueType.UINT32, map.get("tokenizer.ggml.eos_token_id").type());
        assertEquals(false, meta.bool("tokenizer.ggml.add_bos_token"));
        assertEquals(GgufValueType.INT32, meta.array("tokenizer.ggml.token_type").elementType());
        try (InputStream in = Qwen3Tokenizer.open("tokenizer_config.json")) {
            String expected = new ObjectMapper().readTree(in).get("chat_template").asText();
            assertEquals(expected, meta.string("tokenizer.chat_template"));
        }
    }

    @Test
    void conversionIsSharedPerVocabularySize() {
        assertSame(map, Qwen3Tokenizer.bundledMetadata(Qwen3Tokenizer.QWEN3_VOCAB_SIZE));
    }

    @Test
    void aVocabularyTooSmallForTheTokenizerIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Qwen3Tokenizer.bundledMetadata(151_000));
        assertEquals(true, e.getMessage().contains("at least 151669"), e.getMessage());
    }

    private static void assertToken(int id, String text, GgufTokenType type) {
        assertEquals(text, tokens[id]);
        assertEquals(type.id(), types[id], text);
    }

    private static int count(GgufTokenType type) {
        int n = 0;
        for (int t : types) {
            n += t == type.id() ? 1 : 0;
        }
        return n;
    }
}
