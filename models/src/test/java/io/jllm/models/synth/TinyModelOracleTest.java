package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.testing.OracleTools;
import io.jllm.models.hf.Qwen3Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp itself (node-llama-cpp's prebuilt CPU build, through oracle/generate.mjs) loads the tiny
 * synthetic model and decodes greedily: the logits are finite and of a plausible size, and the
 * continuations are not degenerate (not one repeated token, different for different prompts, and
 * different when only an early prompt token changes, so attention over the context matters).
 */
@Tag("oracle")
class TinyModelOracleTest {
    private static final int TOKENS = 24;

    @TempDir
    Path dir;

    @Test
    void llamaCppRunsTheTinyModelAndItsGreedyOutputIsNotDegenerate() throws Exception {
        Path model = SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, 42);
        Map<String, Integer> vocab = vocabulary();
        List<List<Integer>> prompts = List.of(
                ids(vocab, "The", "Ġquick", "Ġbrown", "Ġfox"),
                ids(vocab, "The", "Ġslow", "Ġbrown", "Ġfox"), // only the second token differs
                ids(vocab, "Once", "Ġupon", "Ġa", "Ġtime"),
                ids(vocab, "Hello"),
                ids(vocab, "int", "Ġmain", "(", "void", ")", "Ġ{"),
                ids(vocab, "a", "Ġa", "Ġa", "Ġa", "Ġa", "Ġa"));
        Path promptsFile = dir.resolve("prompts.json");
        new ObjectMapper().writeValue(promptsFile.toFile(), prompts);

        JsonNode out = new ObjectMapper().readTree(OracleTools.node("generate.mjs",
                List.of("--tokens", Integer.toString(TOKENS), model.toString(), promptsFile.toString()), dir));
        JsonNode results = out.get("results");
        assertEquals(prompts.size(), results.size());
        List<List<Integer>> continuations = new ArrayList<>();
        for (JsonNode r : results) {
            List<Integer> tokens = new ArrayList<>();
            r.get("tokens").forEach(t -> tokens.add(t.asInt()));
            continuations.add(tokens);
            assertEquals(TOKENS, tokens.size());
            // A degenerate model repeats one token; a random-looking one rarely repeats at all.
            assertTrue(new HashSet<>(tokens).size() >= TOKENS / 2, "too repetitive: " + tokens);
            for (JsonNode step : r.get("steps")) {
                double logit = step.get("logit").asDouble();
                double margin = step.get("margin").asDouble();
                // The scheme aims at logits spread ~4 over the vocabulary: the top one ~4 sigma up.
                assertTrue(Double.isFinite(logit) && logit > 2 && logit < 100, "top logit " + logit);
                assertTrue(Double.isFinite(margin) && margin >= 0, "margin " + margin);
            }
        }
        for (int i = 0; i < continuations.size(); i++) {
            for (int j = i + 1; j < continuations.size(); j++) {
                assertNotEquals(continuations.get(i), continuations.get(j), "prompts " + i + " and " + j);
            }
        }
        assertNotEquals(continuations.get(0).getFirst(), continuations.get(1).getFirst(),
                "changing an early prompt token should change the next token");
    }

    private static Map<String, Integer> vocabulary() {
        String[] tokens = new GgufMetadata("bundled", Qwen3Tokenizer.bundledMetadata(151_936))
                .stringArray("tokenizer.ggml.tokens");
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
        }
        return ids;
    }

    private static List<Integer> ids(Map<String, Integer> vocab, String... tokens) {
        List<Integer> ids = new ArrayList<>();
        for (String t : tokens) {
            Integer id = vocab.get(t);
            if (id == null) {
                throw new AssertionError("token '" + t + "' is not in the Qwen3 vocabulary");
            }
            ids.add(id);
        }
        return ids;
    }

}
