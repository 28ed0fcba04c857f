package io.jllm.models.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.testing.OracleTools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled tokenizer's merges, special token ids, add_*_token flags and chat template against
 * gguf-py's own SpecialVocab, which convert_hf_to_gguf.py uses to write them, run on the same files.
 */
@Tag("oracle")
class SpecialVocabOracleTest {
    @TempDir
    Path dir;

    @Test
    void theConverterWritesWhatGgufPysSpecialVocabReads() throws Exception {
        try (InputStream json = new GZIPInputStream(Qwen3Tokenizer.open("tokenizer.json.gz"));
             InputStream config = Qwen3Tokenizer.open("tokenizer_config.json")) {
            Files.copy(json, dir.resolve("tokenizer.json"));
            Files.copy(config, dir.resolve("tokenizer_config.json"));
        }
        Files.writeString(dir.resolve("config.json"), Qwen3Tokenizer.MODEL_CONFIG_TOKEN_IDS);
        Path script = dir.resolve("special_vocab.py");
        try (InputStream in = getClass().getResourceAsStream("special_vocab.py")) {
            Files.copy(in, script);
        }
        JsonNode expected = new ObjectMapper().readTree(OracleTools.python(List.of(script.toString(), dir.toString()), dir));

        GgufMetadata ours = new GgufMetadata("bundled", Qwen3Tokenizer.bundledMetadata(Qwen3Tokenizer.QWEN3_VOCAB_SIZE));
        String[] merges = ours.stringArray("tokenizer.ggml.merges");
        assertEquals(expected.get("merges").asInt(), merges.length);
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(String.join("\n", merges).getBytes(StandardCharsets.UTF_8));
        assertEquals(expected.get("merges_sha256").asText(), HexFormat.of().formatHex(digest));

        JsonNode ids = expected.get("special_token_ids");
        assertEquals(List.of("eos", "pad", "bos"), names(ids.fieldNames()), "SpecialVocab's order");
        assertEquals(ids.get("eos").asInt(), ours.int32("tokenizer.ggml.eos_token_id"));
        assertEquals(ids.get("pad").asInt(), ours.int32("tokenizer.ggml.padding_token_id"));
        assertEquals(ids.get("bos").asInt(), ours.int32("tokenizer.ggml.bos_token_id"));
        assertEquals(List.of("bos"), names(expected.get("add_special_token").fieldNames()));
        assertEquals(expected.get("add_special_token").get("bos").asBoolean(), ours.bool("tokenizer.ggml.add_bos_token"));
        assertEquals(expected.get("chat_template").asText(), ours.string("tokenizer.chat_template"));
    }

    private static List<String> names(java.util.Iterator<String> it) {
        List<String> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
