package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    /** Generous: these inputs take well under a second; the bound only catches quadratic blowups. */
    private static final Duration BOUND = Duration.ofSeconds(60);

    private final Tokenizer tokenizer = Qwen3Tokenizers.tokenizer();

    @Test
    void emptyAndWhitespaceOnlyText() {
        assertArrayEquals(new int[0], tokenizer.encode("", true));
        assertArrayEquals(new int[0], tokenizer.encode("", false));
        assertEquals("", tokenizer.decode(new int[0]));
        for (String s : List.of(" ", "   ", "\n", "\t\t", " \r\n ", "\u3000")) {
            int[] ids = tokenizer.encode(s, false);
            assertTrue(ids.length > 0);
            assertEquals(s, tokenizer.decode(ids));
        }
    }

    @Test
    void nullInputIsAClearError() {
        assertEquals("text to encode is null",
                assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(null, false)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(null));
    }

    @Test
    void oneMegabyteOfMixedTextInBoundedTime() {
        String chunk = "The quick brown fox, it's 3.14159 — 我想在apple工作 👍🏽 <think>x</think>\n"
                + "    for (int i = 0; i < n; i++) {\r\n\t\tsum += a[i];\n    }   \n";
        String text = chunk.repeat(1_000_000 / chunk.length() + 1);
        int[] ids = assertTimeoutPreemptively(BOUND, () -> tokenizer.encode(text, false));
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void singleHugePreTokensInBoundedTime() {
        SplittableRandom random = new SplittableRandom(5);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        for (String text : List.of(word.toString(), "a".repeat(100_000), "漢".repeat(100_000), "!".repeat(1_000_000),
                " ".repeat(1_000_000), "\n".repeat(100_000), "7".repeat(200_000), "😀".repeat(100_000))) {
            int[] ids = assertTimeoutPreemptively(BOUND, () -> tokenizer.encode(text, false));
            assertEquals(text, tokenizer.decode(ids), () -> text.substring(0, 8) + "... x" + text.length());
        }
    }

    @Test
    void manySpecialTokensPartitionInBoundedTime() {
        String text = "<|im_start|>a".repeat(100_000) + "<think>";
        int[] ids = assertTimeoutPreemptively(BOUND, () -> tokenizer.encode(text, true));
        assertEquals(200_001, ids.length);
        assertEquals(tokenizer.tokenId("<think>"), ids[ids.length - 1]);
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void specialTokensWrittenInText() {
        int imStart = tokenizer.tokenId("<|im_start|>");
        int think = tokenizer.tokenId("<think>");
        assertEquals(151644, imStart);
        assertEquals(151667, think);
        assertArrayEquals(new int[] {imStart}, tokenizer.encode("<|im_start|>", true));
        assertFalse(Arrays.stream(tokenizer.encode("<|im_start|>", false)).anyMatch(id -> id == imStart),
                "without parseSpecial a control token is text");
        assertArrayEquals(new int[] {think}, tokenizer.encode("<think>", false), "user-defined tokens always match");
        assertArrayEquals(new int[] {think}, tokenizer.encode("<think>", true));
    }

    @Test
    void decodeRendersControlTokensOnlyWhenAsked() {
        int[] ids = tokenizer.encode("<|im_start|>user\n<think>hi</s><|im_end|>", true);
        assertEquals("<|im_start|>user\n<think>hi</s><|im_end|>", tokenizer.decode(ids));
        assertEquals("user\n<think>hi", tokenizer.decode(ids, false),
                "</s> (128247) is CONTROL in llama.cpp, so it is skipped too");
    }

    @Test
    void tokenBytesAndUnusedTokens() {
        assertArrayEquals(" the".getBytes(java.nio.charset.StandardCharsets.UTF_8), tokenizer.tokenBytes(279));
        assertArrayEquals(new byte[0], tokenizer.tokenBytes(151_700), "[PAD151700] renders as nothing, as in llama.cpp");
        assertArrayEquals(new byte[0], tokenizer.tokenBytes(151_644, false));
        byte[] copy = tokenizer.tokenBytes(279);
        copy[0] = 'X';
        assertEquals(" the", tokenizer.decode(new int[] {279}), "tokenBytes returns a copy");
    }

    @Test
    void outOfRangeIdsAreAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {1, 151_936}));
        assertEquals("token id 151936 is outside the vocabulary (0..151935)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenId("<|no_such|>"));
        assertTrue(tokenizer.findTokenId("<|no_such|>").isEmpty());
    }

    @Test
    void qwen3SpecialIds() {
        assertEquals(151_936, tokenizer.vocabSize());
        assertEquals(151_643, tokenizer.bos());
        assertEquals(151_645, tokenizer.eos());
        assertEquals(151_645, tokenizer.vocabulary().eot());
        // llama.cpp's EOG set for Qwen3 (printed by llama_model_load): </s>, <|endoftext|>, <|im_end|>,
        // <|fim_pad|>, <|repo_name|>, <|file_sep|>.
        assertArrayEquals(new int[] {128_247, 151_643, 151_645, 151_662, 151_663, 151_664},
                tokenizer.vocabulary().eogIds());
        assertTrue(tokenizer.isEog(151_645));
        assertFalse(tokenizer.isEog(151_644));
        assertFalse(tokenizer.isEog(-1));
    }

    @Test
    void addSpecialAddsBosOnlyWhenTheVocabularyAsks() {
        assertArrayEquals(tokenizer.encode("hi", false), tokenizer.encode("hi", true, false), "Qwen3: add_bos_token false");
        Map<String, GgufValue> kv = new LinkedHashMap<>(Qwen3Tokenizers.metadata().asMap());
        kv.put(Vocabulary.KEY_ADD_BOS, GgufValue.bool(true));
        kv.put(Vocabulary.KEY_ADD_EOS, GgufValue.bool(true));
        Tokenizer withBos = Tokenizer.fromMetadata(new GgufMetadata("test", kv));
        int[] ids = withBos.encode("hi", true, false);
        assertEquals(151_643, ids[0]);
        assertEquals(151_645, ids[ids.length - 1]);
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        SplittableRandom random = new SplittableRandom(9);
        String[] words = {"alpha", " beta", "γάμμα", " 漢字", "!!", " 42", "\n", " don't", " 😀", "<think>"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 30; k++) {
                b.append(words[random.nextInt(words.length)]);
            }
            texts.add(b.toString());
        }
        List<int[]> expected = texts.stream().map(t -> new Tokenizer(tokenizer.vocabulary()).encode(t, false)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < texts.size(); i++) {
                        if (!Arrays.equals(expected.get(i), tokenizer.encode(texts.get(i), false))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
