package io.jllm.bench.http;

import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.kv.KvType;
import io.jllm.server.JllmServer;
import io.jllm.server.KvCacheSize;
import io.jllm.server.ServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** The jLLM server in this JVM on 127.0.0.1 and an ephemeral port, for the HTTP benchmarks. */
final class BenchServer implements AutoCloseable {
    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");

    private final JllmServer server;
    private final InferenceEngine engine;

    BenchServer(Path model, int threads, int parallel, int batchTokens, long kvTokens, int maxQueue) {
        // Helidon's INFO lines (features, sockets) would interleave with the progress lines.
        HELIDON.setLevel(java.util.logging.Level.WARNING);
        ServerConfig defaults = ServerConfig.defaults(model);
        ServerConfig config = new ServerConfig(model, "127.0.0.1", 0, threads, 0, new KvCacheSize(kvTokens, -1),
                KvType.F16, parallel, Math.max(batchTokens, parallel), maxQueue, null, defaults.kernels(),
                defaults.chatTemplate(), defaults.maxBodyBytes(), Duration.ofSeconds(10), defaults.ssePing(),
                defaults.stepMillis(), defaults.warmupMillis());
        this.server = JllmServer.start(config);
        try {
            this.engine = server.loaded().join();
        } catch (RuntimeException e) {
            server.stop();
            throw new IllegalStateException("the server could not load " + model + ": " + e.getMessage(), e);
        }
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    InferenceEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        server.stop();
    }
}
