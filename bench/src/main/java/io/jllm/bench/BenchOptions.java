package io.jllm.bench;

import io.jllm.bench.llamacpp.LlamaCpp;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every end-to-end benchmark takes (a picocli mixin). */
public final class BenchOptions {
    @Option(names = "--quick", description = "Smoke run: tiny model, few runs; results go to "
            + "bench/target/RESULTS-quick.md unless --results is given.")
    public boolean quick;

    @Option(names = "--results", paramLabel = "FILE",
            description = "Markdown file whose section for this benchmark is written (default: bench/RESULTS.md of the checkout).")
    Path results;

    @Option(names = "--plots", paramLabel = "DIR", description = "Folder for PNG plots (default: plots/ next to the results file).")
    Path plots;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "2",
            description = "Compute threads for jLLM and llama.cpp alike (default: ${DEFAULT-VALUE}).")
    public int threads;

    @Option(names = "--llama-cpp-bin", paramLabel = "DIR", description = "Folder holding llama-bench and "
            + "llama-batched-bench (default: $" + LlamaCpp.ENV + ", else " + LlamaCpp.DEFAULT_DIR + ").")
    Path llamaCppBin;

    @Option(names = "--note", paramLabel = "TEXT", description = "A note to print with the results (e.g. what else ran).")
    public String note;

    public Path resultsFile() {
        if (results != null) {
            return results;
        }
        Path bench = repositoryRoot().resolve("bench");
        return quick ? bench.resolve("target").resolve("RESULTS-quick.md") : bench.resolve("RESULTS.md");
    }

    /**
     * The checkout the command runs in: the nearest folder at or above the working directory that holds
     * bench/pom.xml, else the working directory (so bench/RESULTS.md is found from any subfolder).
     */
    public static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (java.nio.file.Files.isRegularFile(p.resolve("bench").resolve("pom.xml"))) {
                return p;
            }
        }
        return cwd;
    }

    public Path plotsDir() {
        if (plots != null) {
            return plots;
        }
        Path parent = resultsFile().toAbsolutePath().getParent();
        return parent.resolve("plots");
    }

    public LlamaCpp llamaCpp() {
        return LlamaCpp.locate(llamaCppBin);
    }

    public void check() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
    }
}
