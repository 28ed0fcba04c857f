package io.jllm.models.hf;

import io.jllm.gguf.GgufValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The real Qwen3 tokenizer bundled with jLLM (see PROVENANCE.md beside the resources), converted to
 * GGUF metadata exactly as a real Qwen3 GGUF carries it.
 */
public final class Qwen3Tokenizer {
    /** Qwen3's vocabulary size in config.json: the 151,669 real tokens padded for the embedding matrix. */
    public static final int QWEN3_VOCAB_SIZE = 151_936;

    static final String RESOURCE_DIR = "/io/jllm/models/qwen3/";

    /**
     * The special-token fields of the Qwen3 models' config.json (e.g. Qwen/Qwen3-0.6B), which the
     * converter reads besides tokenizer_config.json: they are what gives real Qwen3 GGUFs their
     * {@code bos_token_id}, since tokenizer_config.json sets {@code bos_token} to null.
     */
    static final String MODEL_CONFIG_TOKEN_IDS = "{\"bos_token_id\": 151643, \"eos_token_id\": 151645}";

    private static final Map<Integer, Map<String, GgufValue>> CACHE = new ConcurrentHashMap<>();

    private Qwen3Tokenizer() {
    }

    /**
     * The {@code tokenizer.*} keys for a model with {@code paddedVocabSize} token embeddings (151,936
     * for every Qwen3 size). Converted once per size and shared: do not modify the arrays inside.
     */
    public static Map<String, GgufValue> bundledMetadata(int paddedVocabSize) {
        return CACHE.computeIfAbsent(paddedVocabSize, Qwen3Tokenizer::convertBundled);
    }

    private static Map<String, GgufValue> convertBundled(int paddedVocabSize) {
        try (InputStream json = new GZIPInputStream(open("tokenizer.json.gz"), 1 << 16);
             InputStream config = open("tokenizer_config.json")) {
            return HfTokenizerConverter.convert(json, config,
                    new ByteArrayInputStream(MODEL_CONFIG_TOKEN_IDS.getBytes(StandardCharsets.UTF_8)), paddedVocabSize);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled Qwen3 tokenizer could not be converted", e);
        }
    }

    /** A bundled resource (tokenizer.json.gz, tokenizer_config.json); the caller closes it. */
    public static InputStream open(String name) throws IOException {
        InputStream in = Qwen3Tokenizer.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new IOException("resource " + RESOURCE_DIR + name + " is missing from the jLLM models jar");
        }
        return in;
    }
}
