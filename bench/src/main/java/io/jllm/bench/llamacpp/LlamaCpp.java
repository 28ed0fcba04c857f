package io.jllm.bench.llamacpp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the native llama.cpp build (the speed peer) lives: the folder given on the command line, else
 * {@value #ENV}, else {@value #DEFAULT_DIR} (built as oracle/README.md, "The native llama.cpp build",
 * describes). When the tools are missing the benchmarks run jLLM alone and say so.
 */
public final class LlamaCpp {
    public static final String ENV = "JLLM_LLAMA_CPP_BIN";
    public static final String DEFAULT_DIR = "/work/llama.cpp-native/build/bin";

    private final Path dir;
    private final String source;

    private LlamaCpp(Path dir, String source) {
        this.dir = dir;
        this.source = source;
    }

    /** @param explicit the --llama-cpp-bin option, or null */
    public static LlamaCpp locate(Path explicit) {
        if (explicit != null) {
            return new LlamaCpp(explicit, "--llama-cpp-bin");
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new LlamaCpp(Path.of(env), "$" + ENV);
        }
        return new LlamaCpp(Path.of(DEFAULT_DIR), "the default location");
    }

    /** The executable {@code name} (e.g. llama-bench), if present and executable. */
    public Optional<Path> tool(String name) {
        Path p = dir.resolve(name);
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    /** Why {@code name} cannot be used, for the console and the results file. */
    public String missing(String name) {
        return "native llama.cpp's " + name + " was not found in " + dir + " (" + source + "); jLLM runs alone. "
                + "Build it as oracle/README.md describes and pass --llama-cpp-bin DIR or set " + ENV + ".";
    }

    public Path dir() {
        return dir;
    }
}
