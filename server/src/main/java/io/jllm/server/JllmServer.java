package io.jllm.server;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.jllm.engine.api.InferenceEngine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP server: a Helidon SE WebServer (a virtual thread per request) in front of one
 * {@link InferenceEngine}. {@link #start} opens the port at once and loads the model in the background.
 */
public final class JllmServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JllmServer.class.getName());

    private final ServerConfig config;
    private final ServedModel model;
    private final ServerMetrics metrics;
    private final WebServer web;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private JllmServer(ServerConfig config, ServedModel model, ServerMetrics metrics, WebServer web) {
        this.config = config;
        this.model = model;
        this.metrics = metrics;
        this.web = web;
    }

    /** Opens the port and starts loading the model; {@link #loaded()} tells when it is ready. */
    public static JllmServer start(ServerConfig config) {
        return start(config, () -> { });
    }

    /** As {@link #start(ServerConfig)}; {@code beforeLoad} runs on the loading thread before the model is opened. */
    static JllmServer start(ServerConfig config, Runnable beforeLoad) {
        ServedModel model = new ServedModel(config);
        ServerMetrics metrics = new ServerMetrics(model::statsOrNull);
        JsonBody bodies = new JsonBody(config.maxBodyBytes());
        WebServer web;
        try {
            web = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .maxPayloadSize(bodies.hardLimit())
                    // The server's own stop() drains the engine first; Helidon's hook would not.
                    .shutdownHook(false)
                    // Handlers finish their answers after the engine's drain deadline cancelled them.
                    .shutdownGracePeriod(config.drain().plusSeconds(5))
                    .directHandlers(ErrorResponses.directHandlers(config.maxBodyBytes()))
                    .addProtocol(Http1Config.builder().addReceiveListener(ConnectionWatch.listener()).build())
                    .routing(routing -> routing(routing, config, model, metrics, bodies))
                    .featuresDiscoverServices(false)
                    .addFeature(ObserveFeature.builder()
                            .addObserver(MetricsObserver.builder()
                                    .endpoint("/metrics")
                                    .build())
                            .build())
                    .build()
                    .start();
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        model.startLoading(beforeLoad);
        return new JllmServer(config, model, metrics, web);
    }

    private static void routing(HttpRouting.Builder routing, ServerConfig config, ServedModel model,
            ServerMetrics metrics, JsonBody bodies) {
        if (config.apiKey() != null) {
            routing.addFilter(new ApiKeyFilter(config.apiKey()));
        }
        ErrorResponses.register(routing);
        Serving serving = new Serving(model, metrics, config.ssePing(), bodies);
        routing.register(new HealthService(model))
                .register(new GenerateService(serving))
                .register(new CompletionsService(serving))
                .register(new ChatCompletionsService(serving))
                .register(new ModelsService(model))
                .register(new TokenizeService(model, bodies));
    }

    public int port() {
        return web.port();
    }

    public ServerConfig config() {
        return config;
    }

    /** The model's id in the OpenAI API. */
    public String modelId() {
        return model.id();
    }

    /** Completes with the engine once the model is loaded (exceptionally if it failed to load). */
    public CompletableFuture<InferenceEngine> loaded() {
        return model.loaded();
    }

    /**
     * Graceful stop: new requests get 503 and the port closes; requests in flight may finish for up to the
     * configured drain time, after which the engine cancels what is left and their clients are told.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        InferenceEngine engine = model.stopping();
        Thread drainer = null;
        if (engine != null) {
            drainer = Thread.ofPlatform().name("jllm-drain").start(() -> engine.shutdown(config.drain().toMillis()));
        }
        web.stop();
        if (drainer != null) {
            try {
                drainer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        metrics.close();
        LOG.log(System.Logger.Level.DEBUG, "jLLM server stopped");
    }

    @Override
    public void close() {
        stop();
    }
}
