package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jllm.engine.api.InferenceEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that vanish mid-answer: their generations are cancelled and every KV block they held is freed.
 * Each generation asks for far more tokens than it could produce in the time the test waits, so an
 * uncancelled one would keep the engine busy and fail the wait.
 */
class DisconnectTest {
    private static final String[] PATHS = {"/generate", "/v1/completions", "/v1/chat/completions"};
    private static JllmServer server;
    private static InferenceEngine engine;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start("--parallel", "16", "--max-queue", "256");
        engine = server.loaded().join();
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static String body(String path, boolean stream) {
        String common = "\"max_tokens\": 900, \"ignore_eos\": true, \"stream\": " + stream;
        return path.equals("/v1/chat/completions")
                ? "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story\"}], " + common + "}"
                : "{\"prompt\": \"Once upon a time\", " + common + "}";
    }

    @Test
    void hundredStreamsWhoseClientsVanishAtRandomPointsLeaveNothingBehind() throws Exception {
        Random random = new Random(20261122);
        vanishingClients(100, i -> {
            String path = PATHS[i % PATHS.length];
            // 0: gone right after sending the request; k: after reading k events.
            int events = random.nextInt(4);
            boolean reset = events > 0 && random.nextBoolean();
            return () -> {
                RawClient c = RawClient.post(server.port(), path, body(path, true));
                c.awaitEvents(events);
                leave(c, reset);
            };
        });
    }

    @Test
    void nonStreamingClientsThatVanishCancelTheirGenerations() throws Exception {
        Random random = new Random(7);
        vanishingClients(20, i -> {
            String path = PATHS[i % PATHS.length];
            // The point to leave at: once the engine has generated this many more tokens.
            long after = random.nextInt(40);
            boolean reset = random.nextBoolean();
            return () -> {
                long start = engine.stats().generatedTokens();
                RawClient c = RawClient.post(server.port(), path, body(path, false));
                Await.until("tokens generated", Duration.ofSeconds(30),
                        () -> engine.stats().generatedTokens() >= start + after, () -> engine.stats().toString());
                leave(c, reset);
            };
        });
        assertEquals(200, http.post("/generate", "{\"prompt\": \"Hi\", \"max_tokens\": 2}").status(),
                "the server still answers");
    }

    /**
     * Runs {@code count} clients at once (client {@code i} made by {@code clients}), then waits until the
     * engine is idle with every block free and each of the clients' generations was recorded as cancelled.
     */
    private static void vanishingClients(int count, IntFunction<Runnable> clients) throws Exception {
        double cancelled = http.metric("jllm_requests_total", "finish_reason=\"cancelled\"");
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                running.add(pool.submit(clients.apply(i)));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
        Await.idle(engine, Duration.ofSeconds(60));
        Await.until(count + " cancellations recorded", Duration.ofSeconds(30),
                () -> http.metric("jllm_requests_total", "finish_reason=\"cancelled\"") == cancelled + count,
                () -> http.get("/metrics").body());
    }

    private static void leave(RawClient c, boolean reset) {
        if (reset) {
            c.reset();
        } else {
            c.close();
        }
    }
}
