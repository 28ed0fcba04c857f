package io.jllm.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds and runs the llama.cpp oracle for tests tagged "oracle": node-llama-cpp under
 * {@code jllm.oracle.home} (surefire sets it to {@code <repo>/.oracle}), else {@code ../.oracle}, else
 * {@code /work/oracle-npm}; gguf-py under the home's {@code llama.cpp/gguf-py}, else
 * {@code /work/llama.cpp/gguf-py}; the scripts in {@code <repo>/oracle}.
 */
public final class OracleTools {
    private OracleTools() {
    }

    public static Path moduleDir() {
        return Path.of("").toAbsolutePath();
    }

    /** {@code <repo>/oracle/<name>}. */
    public static Path script(String name) {
        return moduleDir().resolve("../oracle").resolve(name).normalize();
    }

    /** A folder with node_modules/node-llama-cpp, or null. */
    public static Path nodeHome() {
        for (Path home : homes()) {
            if (Files.isRegularFile(home.resolve("node_modules/node-llama-cpp/package.json"))) {
                return home;
            }
        }
        return null;
    }

    /** gguf-py's folder (to put on PYTHONPATH), or null. */
    public static Path ggufPy() {
        List<Path> candidates = new ArrayList<>();
        homes().forEach(h -> candidates.add(h.resolve("llama.cpp/gguf-py")));
        candidates.add(Path.of("/work/llama.cpp/gguf-py"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve("gguf/__init__.py"))) {
                return p;
            }
        }
        return null;
    }

    private static List<Path> homes() {
        List<Path> homes = new ArrayList<>();
        String property = System.getProperty("jllm.oracle.home");
        if (property != null && !property.isBlank()) {
            homes.add(Path.of(property));
        }
        homes.add(moduleDir().resolve("../.oracle").normalize());
        homes.add(Path.of("/work/oracle-npm"));
        return homes;
    }

    /** Runs a command, returning its stdout; fails with its stderr if it exits non-zero or hangs. */
    public static String run(List<String> command, Map<String, String> env, Path scratch)
            throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(scratch, "oracle", ".out");
        Path stderr = Files.createTempFile(scratch, "oracle", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("oracle did not finish in 10 minutes: " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("oracle failed (exit " + p.exitValue() + "): " + command + "\n"
                    + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
