package io.jllm.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.testing.OracleTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs oracle/logits.mjs (llama.cpp through node-llama-cpp) and reads its logit rows. */
final class LlamaCppLogits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCppLogits() {
    }

    /** The logits after each prefix length of {@code ids}, from llama.cpp with the given KV type. */
    static float[][] compute(Path model, int[] ids, int[] prefixes, String kvType, Path scratch)
            throws IOException, InterruptedException {
        Path seqs = Files.createTempFile(scratch, "seqs", ".json");
        JSON.writeValue(seqs.toFile(), List.of(ids));
        Path out = Files.createTempDirectory(scratch, "logits");
        StringBuilder lengths = new StringBuilder();
        for (int p : prefixes) {
            lengths.append(lengths.isEmpty() ? "" : ",").append(p);
        }
        OracleTools.node("logits.mjs", List.of("--threads", "1", "--kv-type", kvType, "--prefixes", lengths.toString(),
                model.toString(), seqs.toString(), out.toString()), scratch);
        JsonNode index = JSON.readTree(out.resolve("index.json").toFile());
        int vocab = index.get("nVocab").asInt();
        JsonNode seq = index.get("sequences").get(0);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(out.resolve(seq.get("file").asText())))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[][] rows = new float[prefixes.length][vocab];
        JsonNode listed = seq.get("prefixLengths");
        if (listed.size() != prefixes.length) {
            throw new AssertionError("llama.cpp returned " + listed.size() + " rows for " + prefixes.length + " prefixes");
        }
        for (float[] row : rows) {
            data.asFloatBuffer().get(row);
            data.position(data.position() + 4 * vocab);
        }
        return rows;
    }

    /** A one-line description of the oracle for fixtures and messages. */
    static String describe(String kvType) {
        return "node-llama-cpp 3.22.1 (llama.cpp de3ff815, prebuilt CPU), 1 thread, prefill, flash attention off, KV "
                + kvType;
    }
}
