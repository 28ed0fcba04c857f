package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufWriter;
import io.jllm.gguf.testing.OracleTools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine against live llama.cpp (node-llama-cpp 3.22.1) on the parity corpus and on fresh
 * random NFC text: the ids must be identical (on NFC input the engine follows llama.cpp in every
 * respect). node and node-llama-cpp are found through {@link OracleTools} (installed by
 * {@code oracle/setup}).
 */
@Tag("oracle")
class LlamaCppTokenizerOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void engineTokenizesLikeLlamaCpp(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("qwen3-vocab.gguf");
        writeVocabOnlyGguf(model);

        ArrayNode cases = JSON.createArrayNode();
        for (JsonNode c : fixtureCases()) {
            boolean normalizedByEngine = c.has("why") && c.get("why").toString().contains("\"nfc\"");
            if (!normalizedByEngine) {
                cases.addObject().put("text", c.get("text").asText()).put("parseSpecial", c.get("parseSpecial").asBoolean());
            }
        }
        SplittableRandom random = new SplittableRandom(2025);
        for (int i = 0; i < 3000; i++) {
            cases.addObject().put("text", randomNfcText(random)).put("parseSpecial", random.nextBoolean());
        }
        Path input = tmp.resolve("cases.json");
        JSON.writeValue(input.toFile(), cases);
        JsonNode llamaIds = JSON.readTree(OracleTools.node("tokenizer/llama-tokenize.mjs",
                List.of(model.toString(), input.toString()), tmp));

        Tokenizer tokenizer = Qwen3Tokenizers.tokenizer();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String text = cases.get(i).get("text").asText();
            boolean parseSpecial = cases.get(i).get("parseSpecial").asBoolean();
            int[] expected = Qwen3ParityTest.ints(llamaIds.get(i));
            int[] actual = tokenizer.encode(text, parseSpecial);
            if (!Arrays.equals(expected, actual)) {
                failures.add(Qwen3ParityTest.describe(text) + " parseSpecial=" + parseSpecial + "\n  llama.cpp "
                        + Arrays.toString(expected) + "\n  engine    " + Arrays.toString(actual));
            }
        }
        assertTrue(cases.size() > 4000, cases.size() + " strings");
        assertEquals("", String.join("\n", failures.subList(0, Math.min(20, failures.size()))),
                failures.size() + " of " + cases.size() + " strings differ");
    }

    /** Random text from the scripts, symbols, spaces and markup the tokenizer cares about, NFC-normalized. */
    private static String randomNfcText(SplittableRandom random) {
        String[] atoms = {"the", " The", "DON'T", "it'S", " 's", "'ll", "123", "3.14", "1,000", "  ", "\n", "\r\n", "\t",
            " \n ", "\u00A0", "\u3000", "\u0085", "\uFEFF", "漢字", "かな", "한국", "مرحبا", "नमस्ते", "Привет", "😀",
            "👍🏽", "🇯🇵", "👨‍👩‍👧", "!!", "...", "—", "«»", "{\"a\": [1, 2]}", "<|im_start|>", "<|im_end|>",
            "<think>", "</think>", "<tool_call>", "<|fim_prefix|>", "</s>", "<|endoftext|>", "\u1C89", "𐗀", "é"};
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                int cp = random.nextInt(4) == 0 ? random.nextInt(0x30000) : random.nextInt(0x3100);
                if (Character.isValidCodePoint(cp) && !Character.isSurrogate((char) cp) && cp > 0) {
                    b.appendCodePoint(cp);
                }
            } else {
                b.append(atoms[random.nextInt(atoms.length)]);
            }
        }
        return Normalizer.normalize(b.toString(), Normalizer.Form.NFC);
    }

    private static void writeVocabOnlyGguf(Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        // The hyperparameters llama.cpp's loader reads even for a vocabulary-only load.
        w.put("general.architecture", GgufValue.string("qwen3"));
        w.put("qwen3.context_length", GgufValue.uint32(40960));
        w.put("qwen3.embedding_length", GgufValue.uint32(1024));
        w.put("qwen3.block_count", GgufValue.uint32(28));
        w.put("qwen3.feed_forward_length", GgufValue.uint32(3072));
        w.put("qwen3.attention.head_count", GgufValue.uint32(16));
        w.put("qwen3.attention.head_count_kv", GgufValue.uint32(8));
        w.put("qwen3.attention.key_length", GgufValue.uint32(128));
        w.put("qwen3.attention.value_length", GgufValue.uint32(128));
        w.put("qwen3.rope.freq_base", GgufValue.float32(1_000_000f));
        w.put("qwen3.attention.layer_norm_rms_epsilon", GgufValue.float32(1e-6f));
        Qwen3Tokenizers.metadata().asMap().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) {
                w.put(k, v);
            }
        });
        w.write(out);
    }

    private static List<JsonNode> fixtureCases() throws IOException {
        try (InputStream in = LlamaCppTokenizerOracleTest.class.getResourceAsStream("qwen3-parity.json.gz")) {
            List<JsonNode> all = new ArrayList<>();
            JSON.readTree(new GZIPInputStream(in)).get("cases").forEach(all::add);
            return all;
        }
    }
}
