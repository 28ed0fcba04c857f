package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufTokenType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.model.ModelFormatException;
import io.jllm.gguf.GgufArray;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    /** A tiny byte-level vocabulary: the 256 byte tokens, "ab", "abc", and the given extra tokens. */
    private static Map<String, GgufValue> tiny(String... extra) {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.encode(b)));
            types.add(GgufTokenType.NORMAL.id());
        }
        tokens.add("ab");
        types.add(GgufTokenType.NORMAL.id());
        tokens.add("abc");
        types.add(GgufTokenType.NORMAL.id());
        for (String e : extra) {
            tokens.add(e);
            types.add(e.startsWith("<|") ? GgufTokenType.CONTROL.id() : GgufTokenType.USER_DEFINED.id());
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put(Vocabulary.KEY_MODEL, GgufValue.string("gpt2"));
        kv.put(Vocabulary.KEY_PRE, GgufValue.string("qwen2"));
        kv.put(Vocabulary.KEY_TOKENS, GgufValue.array(GgufArray.ofStrings(tokens.toArray(new String[0]))));
        kv.put(Vocabulary.KEY_TOKEN_TYPE, GgufValue.array(GgufArray.ofInt32(types.stream().mapToInt(i -> i).toArray())));
        kv.put(Vocabulary.KEY_MERGES, GgufValue.array(GgufArray.ofStrings("a b", "ab c")));
        kv.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(tokens.size() - 1));
        kv.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(tokens.size() - 1));
        return kv;
    }

    private static Vocabulary load(Map<String, GgufValue> kv) {
        return Vocabulary.fromMetadata(new GgufMetadata("tiny.gguf", kv));
    }

    private static String failure(Map<String, GgufValue> kv) {
        return assertThrows(IllegalArgumentException.class, () -> load(kv)).getMessage();
    }

    @Test
    void aTinyVocabularyEncodesAndDecodes() {
        Tokenizer t = new Tokenizer(load(tiny("<|end|>", "<x>")));
        assertArrayEquals(new int[] {257, 256}, t.encode("abcab", false));
        int end = t.tokenId("<|end|>");
        assertArrayEquals(new int[] {end}, t.encode("<|end|>", true));
        assertArrayEquals(new int[] {t.tokenId("<x>")}, t.encode("<x>", false));
        assertEquals("abc<|end|>", t.decode(new int[] {257, end}));
        assertTrue(t.isEog(end), "named <|end|>: llama.cpp's EOG names");
    }

    @Test
    void overlappingAddedTokensGoLongestFirstAsInLlamaCpp() {
        Tokenizer t = new Tokenizer(load(tiny("[ab", "b]cd")));
        int[] expected = java.util.stream.IntStream.concat(java.util.Arrays.stream(t.encode("[a", false)),
                java.util.stream.IntStream.of(t.tokenId("b]cd"))).toArray();
        assertArrayEquals(expected, t.encode("[ab]cd", false),
                "llama.cpp cuts the longer token first; HF's leftmost scan would take \"[ab\"");
        assertArrayEquals(new int[] {t.tokenId("[ab"), t.tokenId("[ab")}, t.encode("[ab[ab", false));
    }

    @Test
    void unsupportedModelNamesWhatIsSupported() {
        Map<String, GgufValue> kv = tiny();
        kv.put(Vocabulary.KEY_MODEL, GgufValue.string("llama"));
        assertEquals("tokenizer.ggml.model = \"llama\" is not supported; this engine tokenizes [gpt2] (byte-level BPE)",
                failure(kv));
        assertTrue(assertThrows(ModelFormatException.class, () -> load(kv)) != null);
    }

    @Test
    void unsupportedOrMissingPreTokenizerNamesWhatIsSupported() {
        Map<String, GgufValue> kv = tiny();
        kv.put(Vocabulary.KEY_PRE, GgufValue.string("llama-bpe"));
        assertEquals("tokenizer.ggml.pre = \"llama-bpe\" is not supported; this engine implements [qwen2, "
                + "deepseek-r1-qwen]", failure(kv));
        kv.remove(Vocabulary.KEY_PRE);
        assertTrue(failure(kv).startsWith("tokenizer.ggml.pre is missing; this engine implements the pre-tokenizers"
                + " [qwen2, deepseek-r1-qwen]"));
    }

    @Test
    void missingKeysAreNamed() {
        for (String key : List.of(Vocabulary.KEY_MODEL, Vocabulary.KEY_TOKENS, Vocabulary.KEY_MERGES)) {
            Map<String, GgufValue> kv = tiny();
            kv.remove(key);
            assertTrue(failure(kv).startsWith(key + " is missing"), key);
        }
    }

    @Test
    void wrongTypesAreNamed() {
        Map<String, GgufValue> kv = tiny();
        kv.put(Vocabulary.KEY_TOKENS, GgufValue.array(GgufArray.ofInt32(1, 2)));
        assertEquals("tokenizer.ggml.tokens must be an array of STRING, found an array of INT32", failure(kv));
        kv = tiny();
        kv.put(Vocabulary.KEY_TOKEN_TYPE, GgufValue.array(GgufArray.ofStrings("1")));
        assertEquals("tokenizer.ggml.token_type must be an array of INT32, found an array of STRING", failure(kv));
        kv = tiny();
        kv.put(Vocabulary.KEY_MODEL, GgufValue.int32(2));
        assertEquals("tokenizer.ggml.model must be STRING, found INT32", failure(kv));
    }

    @Test
    void inconsistentDataIsNamed() {
        Map<String, GgufValue> kv = tiny();
        kv.put(Vocabulary.KEY_TOKEN_TYPE, GgufValue.array(GgufArray.ofInt32(1, 1, 1)));
        assertEquals("tokenizer.ggml.token_type has 3 entries for 258 tokens", failure(kv));
        kv = tiny();
        kv.put(Vocabulary.KEY_MERGES, GgufValue.array(GgufArray.ofStrings("a b", "ab z", "x")));
        assertEquals("tokenizer.ggml.merges[1] = \"ab z\" uses \"abz\", which is not in tokenizer.ggml.tokens",
                failure(kv));
        kv.put(Vocabulary.KEY_MERGES, GgufValue.array(GgufArray.ofStrings("ab")));
        assertEquals("tokenizer.ggml.merges[0] = \"ab\" is not two tokens separated by a space", failure(kv));
        kv = tiny("ab");
        assertEquals("tokenizer.ggml.tokens: tokens 256 and 258 are both \"ab\"; token texts must be unique",
                failure(kv));
    }

    @Test
    void aVocabularyWithoutEveryByteIsRejected() {
        Map<String, GgufValue> kv = tiny();
        String[] tokens = (String[]) ((GgufArray) kv.get(Vocabulary.KEY_TOKENS).value()).elements();
        tokens = tokens.clone();
        tokens[0] = "zzz"; // byte 0x00 ("Ā") gone
        kv.put(Vocabulary.KEY_TOKENS, GgufValue.array(GgufArray.ofStrings(tokens)));
        assertEquals("tokenizer.ggml.tokens has no token for byte 0x00 (\"Ā\"); a byte-level BPE vocabulary needs all 256",
                failure(kv));
    }

    @Test
    void aNormalTokenOutsideTheByteAlphabetIsRejected() {
        Map<String, GgufValue> kv = tiny("<|end|>");
        long[] types = ((long[]) ((GgufArray) kv.get(Vocabulary.KEY_TOKEN_TYPE).value()).elements()).clone();
        types[258] = GgufTokenType.NORMAL.id();
        String[] tokens = ((String[]) ((GgufArray) kv.get(Vocabulary.KEY_TOKENS).value()).elements()).clone();
        tokens[258] = "a b"; // a literal space is not in the byte-level alphabet
        kv.put(Vocabulary.KEY_TOKENS, GgufValue.array(GgufArray.ofStrings(tokens)));
        kv.put(Vocabulary.KEY_TOKEN_TYPE, GgufValue.array(new GgufArray(GgufValueType.INT32, types)));
        assertTrue(failure(kv).startsWith("tokenizer.ggml.tokens token 258 \"a b\" is NORMAL but holds characters"));
    }

    @Test
    void outOfRangeSpecialIdsAreIgnoredWithAWarningAsInLlamaCpp() {
        Map<String, GgufValue> kv = tiny();
        kv.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(99_999));
        Vocabulary v = load(kv);
        assertEquals(11, v.eos(), "gpt2's default EOS");
        assertTrue(v.warnings().stream().anyMatch(w -> w.startsWith("tokenizer.ggml.eos_token_id = 99999 is outside")));
    }

    @Test
    void qwen3TokenClasses() {
        Vocabulary v = Qwen3Tokenizers.tokenizer().vocabulary();
        assertEquals(GgufTokenType.CONTROL, v.type(151_644));
        assertEquals(GgufTokenType.CONTROL, v.type(151_659), "<|fim_prefix|>: special=false in HF, CONTROL by its name");
        assertEquals(GgufTokenType.USER_DEFINED, v.type(151_667));
        assertEquals(GgufTokenType.UNUSED, v.type(151_669));
        assertEquals("[PAD151669]", v.text(151_669));
        assertEquals(GgufTokenType.NORMAL, v.type(128_247));
        assertTrue(v.isControl(128_247), "</s> made CONTROL by llama.cpp's end-of-generation names");
        assertFalse(v.isControl(151_667));
        assertEquals(151_643, v.pad());
        assertFalse(v.addBos());
        assertEquals(List.of("token 128247 '</s>' looks like a control token but is not CONTROL in the file; treated as"
                + " CONTROL, as llama.cpp does"), v.warnings());
    }
}
