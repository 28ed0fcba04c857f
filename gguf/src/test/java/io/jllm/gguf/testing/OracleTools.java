package io.jllm.gguf.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds and runs llama.cpp's oracle for tests tagged "oracle" (shared by every module through the
 * gguf test jar). {@code oracle/setup} installs it under {@code <repo>/.oracle}: node-llama-cpp in
 * {@code node_modules}, gguf-py in {@code llama.cpp/gguf-py}; surefire passes that folder as
 * {@code jllm.oracle.home} and the scripts live in {@code <repo>/oracle}.
 *
 * <p>Under {@code oracle/run-all} ({@code -Djllm.oracle}, which sets {@code jllm.oracle.strict}) a
 * missing tool fails the test: CI must not pass by skipping. Run from an IDE without the oracle,
 * the test is skipped instead.
 */
public final class OracleTools {
    private OracleTools() {
    }

    /** {@code <repo>}, the parent of the module the test runs in. */
    public static Path repo() {
        return Path.of("").toAbsolutePath().getParent();
    }

    /** {@code <repo>/oracle/<name>}, required to exist. */
    public static Path script(String name) {
        Path p = repo().resolve("oracle").resolve(name);
        require(Files.isRegularFile(p), "oracle script " + p);
        return p;
    }

    public static Path home() {
        String property = System.getProperty("jllm.oracle.home");
        Path home = property == null || property.isBlank() ? repo().resolve(".oracle") : Path.of(property);
        return home.toAbsolutePath().normalize();
    }

    /** The folder holding node_modules/node-llama-cpp (run oracle/setup to make it). */
    public static Path nodeHome() {
        Path home = home();
        require(Files.isRegularFile(home.resolve("node_modules/node-llama-cpp/package.json")),
                "node-llama-cpp under " + home + " (run oracle/setup)");
        require(onPath("node"), "node on PATH");
        return home;
    }

    /** gguf-py's folder, for PYTHONPATH. */
    public static Path ggufPy() {
        Path p = home().resolve("llama.cpp/gguf-py");
        require(Files.isRegularFile(p.resolve("gguf/__init__.py")), "gguf-py at " + p + " (run oracle/setup)");
        require(onPath("python3"), "python3 on PATH");
        return p;
    }

    /**
     * Runs {@code node <repo>/oracle/<script> args...} with {@code JLLM_ORACLE_HOME} set to
     * {@link #nodeHome()}, so the script loads the installed node-llama-cpp; returns its stdout.
     */
    public static String node(String script, List<String> args, Path scratch) throws IOException, InterruptedException {
        Path file = script(script);
        Path home = nodeHome();
        List<String> command = new ArrayList<>(List.of("node", file.toString()));
        command.addAll(args);
        return run(command, Map.of("JLLM_ORACLE_HOME", home.toString()), scratch);
    }

    /** Runs {@code python3 args...} with {@link #ggufPy()} on {@code PYTHONPATH}; returns its stdout. */
    public static String python(List<String> args, Path scratch) throws IOException, InterruptedException {
        Path ggufPy = ggufPy();
        List<String> command = new ArrayList<>(List.of("python3"));
        command.addAll(args);
        return run(command, Map.of("PYTHONPATH", ggufPy.toString()), scratch);
    }

    /** Fails (under run-all) or skips (elsewhere) when {@code ok} is false. */
    public static void require(boolean ok, String what) {
        if (ok) {
            return;
        }
        String message = "oracle prerequisite missing: " + what;
        if (Boolean.getBoolean("jllm.oracle.strict")) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
    }

    public static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command and returns its stdout; fails with its stderr when it exits non-zero or hangs. */
    public static String run(List<String> command, Map<String, String> env, Path scratch)
            throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(scratch, "oracle", ".out");
        Path stderr = Files.createTempFile(scratch, "oracle", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("oracle did not finish in 15 minutes: " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("oracle failed (exit " + p.exitValue() + "): " + command + "\n"
                    + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
