package io.jllm.server;

import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.engine.model.Qwen3Config;
import io.jllm.engine.model.Qwen3Model;
import io.jllm.engine.scheduler.SchedulerStats;
import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.SyntheticModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The model the server serves, loaded on a background thread after the port opens, so that
 * {@code /health} can answer "loading" meanwhile. Handlers ask for {@link #engine()}, which answers
 * 503 until the model is ready.
 */
final class ServedModel {
    /** Id of the demo model in /v1/models and responses. */
    static final String DEMO_ID = "jllm-demo-tiny-random";
    static final long DEMO_SEED = 42;

    enum State { LOADING, READY, FAILED, STOPPING }

    private final ServerConfig config;
    private final String id;
    private final CompletableFuture<InferenceEngine> loaded = new CompletableFuture<>();
    private volatile InferenceEngine engine;
    private volatile State state = State.LOADING;
    private volatile String failure;

    ServedModel(ServerConfig config) {
        this.config = config;
        this.id = config.demo() ? DEMO_ID : config.model().getFileName().toString();
    }

    /**
     * Starts loading on a platform thread of its own; {@link #loaded()} completes when done.
     * {@code beforeLoad} runs first on that thread (tests hold the loading state with it).
     */
    void startLoading(Runnable beforeLoad) {
        Thread.ofPlatform().name("jllm-model-loader").daemon(true).start(() -> {
            try {
                beforeLoad.run();
                InferenceEngine e = open();
                boolean stopped;
                // Startup and shutdown only (never a request): decides who closes an engine that
                // finished loading while the server was being stopped.
                synchronized (this) {
                    stopped = state == State.STOPPING;
                    if (!stopped) {
                        engine = e;
                        state = State.READY;
                    }
                }
                if (stopped) {
                    e.close();
                }
                loaded.complete(e);
            } catch (Throwable t) {
                synchronized (this) {
                    failure = t.getMessage() == null ? t.toString() : t.getMessage();
                    if (state != State.STOPPING) {
                        state = State.FAILED;
                    }
                }
                loaded.completeExceptionally(t);
            }
        });
    }

    private InferenceEngine open() throws IOException {
        Path file = config.demo() ? SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, DEMO_SEED) : config.model();
        long kvTokens = config.kvCache().tokens();
        if (config.kvCache().bytes() > 0) {
            try (Qwen3Model m = Qwen3Model.open(file)) {
                Qwen3Config c = m.config();
                kvTokens = config.kvCache().tokens(PagedKvCache.bytesPerToken(c.layers(), c.kvDim(), config.kvType()));
            }
        }
        return InferenceEngine.open(config.engineConfig(file, kvTokens));
    }

    CompletableFuture<InferenceEngine> loaded() {
        return loaded;
    }

    String id() {
        return id;
    }

    State state() {
        return state;
    }

    String failure() {
        return failure;
    }

    /** The engine, or a 503 saying why there is none to serve this request. */
    InferenceEngine engine() {
        InferenceEngine e = engine;
        State s = state;
        if (e != null && s == State.READY) {
            return e;
        }
        throw switch (s) {
            case LOADING -> ApiError.unavailable("model_loading", "the model is still loading; retry shortly", 2);
            case STOPPING -> ApiError.unavailable("shutting_down", "the server is shutting down", 0);
            default -> ApiError.unavailable("model_failed", "the model failed to load: " + failure, 0);
        };
    }

    /** Engine stats for metrics, or null while there is no engine. */
    SchedulerStats statsOrNull() {
        InferenceEngine e = engine;
        return e == null ? null : e.stats();
    }

    /**
     * Marks the server as stopping: new requests get 503. Returns the engine to drain, or null when
     * none is loaded yet (the loader then closes it when it is done).
     */
    synchronized InferenceEngine stopping() {
        state = State.STOPPING;
        return engine;
    }

    /** The engine whatever the state (null before it loaded), for tests and shutdown. */
    InferenceEngine engineOrNull() {
        return engine;
    }
}
