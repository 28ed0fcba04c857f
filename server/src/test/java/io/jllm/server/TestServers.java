package io.jllm.server;

import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.SyntheticModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Servers for tests: the tiny synthetic model on a free loopback port, loaded before use. */
final class TestServers {
    /** Held, so the level stays: Helidon's start and stop lines at INFO would bury test output. */
    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    static {
        HELIDON.setLevel(Level.WARNING);
    }

    private TestServers() {
    }

    /**
     * The tiny model in F32: the same shapes and tokenizer as the demo model, and the quickest of the
     * synthetic files to run on a small machine.
     */
    static Path tinyModel() {
        return SyntheticModels.cached(ModelPreset.TINY, Ftype.F32, 42);
    }

    /** A loaded server with small defaults for tests; {@code args} override them (later options win). */
    static JllmServer start(String... args) {
        return start(config(args));
    }

    /** The test defaults with {@code args} applied. */
    static ServerConfig config(String... args) {
        List<String> all = new ArrayList<>(List.of("--model", tinyModel().toString(), "--port", "0", "--threads", "2",
                "--ctx", "1024", "--kv-cache", "8192", "--drain-seconds", "5", "--warmup", "0"));
        all.addAll(List.of(args));
        return ServerOptions.parse(all.toArray(String[]::new));
    }

    static JllmServer start(ServerConfig config) {
        JllmServer server = JllmServer.start(config);
        server.loaded().join();
        return server;
    }
}
