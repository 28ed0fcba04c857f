package io.jllm.bench.llamacpp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.bench.ToolRun;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Native llama.cpp's {@code llama-bench}: one invocation runs pp (one batch of {@code pp} random
 * prompt tokens from an empty cache) and tg ({@code tg} single-token decodes from an empty cache),
 * each once after llama-bench's own warm-up, and prints JSON ({@code -o json}).
 */
public final class LlamaBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One test of llama-bench's JSON output. */
    public record Test(int nPrompt, int nGen, int threads, double avgTokensPerSecond, String buildCommit,
            String modelType, long modelSize) {
        public boolean isPrompt() {
            return nPrompt > 0 && nGen == 0;
        }

        public boolean isGeneration() {
            return nGen > 0 && nPrompt == 0;
        }
    }

    /** pp and tg tokens/s of one invocation (NaN where it ran no such test). */
    public record Figures(double pp, double tg, String buildCommit) {
    }

    private LlamaBench() {
    }

    public static List<String> command(Path tool, Path model, int threads, int pp, int tg) {
        return List.of(tool.toString(), "-m", model.toString(), "-t", Integer.toString(threads),
                "-p", Integer.toString(pp), "-n", Integer.toString(tg), "-r", "1", "-o", "json");
    }

    public static Figures run(Path tool, Path model, int threads, int pp, int tg)
            throws IOException, InterruptedException {
        List<String> command = command(tool, model, threads, pp, tg);
        ToolRun.Result r = ToolRun.run(command, Duration.ofMinutes(20));
        if (r.exitCode() != 0) {
            throw new IOException("llama-bench exited with " + r.exitCode() + " (command: " + String.join(" ", command)
                    + "):\n" + r.stderrTail(15));
        }
        return figures(parse(r.stdout()));
    }

    /** Parses {@code llama-bench -o json}: an array with one object per test. */
    public static List<Test> parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("llama-bench output is not JSON (was -o json given?): "
                    + e.getOriginalMessage() + "; output began: " + head(json));
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("llama-bench JSON must be an array of tests; output began: " + head(json));
        }
        List<Test> tests = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode t = root.get(i);
            tests.add(new Test(intField(t, i, "n_prompt"), intField(t, i, "n_gen"), intField(t, i, "n_threads"),
                    numberField(t, i, "avg_ts"), t.path("build_commit").asText(""), t.path("model_type").asText(""),
                    t.path("model_size").asLong(-1)));
        }
        return tests;
    }

    /** The pp and tg figures of one invocation's tests. */
    public static Figures figures(List<Test> tests) {
        double pp = Double.NaN;
        double tg = Double.NaN;
        String build = "";
        for (Test t : tests) {
            if (t.isPrompt()) {
                pp = t.avgTokensPerSecond();
            } else if (t.isGeneration()) {
                tg = t.avgTokensPerSecond();
            }
            build = t.buildCommit();
        }
        return new Figures(pp, tg, build);
    }

    private static int intField(JsonNode t, int index, String name) {
        JsonNode v = t.get(name);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("llama-bench JSON test " + index + ": field " + name
                    + " is missing or not an integer (" + v + ")");
        }
        return v.intValue();
    }

    private static double numberField(JsonNode t, int index, String name) {
        JsonNode v = t.get(name);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("llama-bench JSON test " + index + ": field " + name
                    + " is missing or not a number (" + v + ")");
        }
        return v.doubleValue();
    }

    static String head(String text) {
        String s = text.strip();
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
