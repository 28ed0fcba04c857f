package io.jllm.engine.oracle;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * llama.cpp's logits for the tiny synthetic F32 model, kept in the repository so the default test
 * command checks exactness without node: per prompt and prefix length, the 50 largest logits and
 * the logits of 2,000 fixed token ids spread over the vocabulary.
 */
record LogitsFixture(String command, String oracle, String modelSha256, int[] sampleIds, List<Entry> entries) {
    static final String RESOURCE = "/io/jllm/engine/oracle/tiny-f32-logits.json.gz";
    static final String SOURCE_PATH = "src/test/resources/io/jllm/engine/oracle/tiny-f32-logits.json.gz";
    static final String COMMAND = "oracle/setup && ./jllm mvn -pl engine -am verify -Djllm.oracle "
            + "-Dtest=LlamaCppLogitsOracleTest -Dsurefire.failIfNoSpecifiedTests=false -Djllm.oracle.writeFixture=true";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One prompt's logits after one prefix length. */
    record Entry(String prompt, int[] ids, int prefix, int[] topIds, float[] topLogits, float[] sampleLogits) {
    }

    static int[] sampleIds(int vocab) {
        SplittableRandom random = new SplittableRandom(2026);
        return random.ints(2000, 0, vocab).sorted().distinct().toArray();
    }

    static Entry entry(String prompt, int[] ids, int prefix, float[] logits, int[] sampleIds) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int[] top = new int[50];
        float[] topLogits = new float[50];
        for (int i = 0; i < 50; i++) {
            top[i] = order[i];
            topLogits[i] = logits[order[i]];
        }
        float[] sampled = new float[sampleIds.length];
        for (int i = 0; i < sampleIds.length; i++) {
            sampled[i] = logits[sampleIds[i]];
        }
        return new Entry(prompt, java.util.Arrays.copyOf(ids, prefix), prefix, top, topLogits, sampled);
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(out, this);
        }
    }

    static LogitsFixture load() throws IOException {
        try (InputStream in = LogitsFixture.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("fixture " + RESOURCE + " is missing; make it with: " + COMMAND);
            }
            return JSON.readValue(new GZIPInputStream(in), LogitsFixture.class);
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 20];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Entry> newList() {
        return new ArrayList<>();
    }
}
