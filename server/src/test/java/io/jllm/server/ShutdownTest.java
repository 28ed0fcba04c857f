package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jllm.engine.api.InferenceEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: stop accepting, let in-flight requests finish within the drain time, cancel the rest. */
class ShutdownTest {
    @Test
    void inFlightRequestsFinishWhileNewConnectionsAreRefused() throws Exception {
        JllmServer server = TestServers.start("--drain-seconds", "60");
        InferenceEngine engine = server.loaded().join();
        Http http = new Http(server);
        RawClient streaming = RawClient.post(server.port(), "/generate",
                "{\"prompt\": \"Hello\", \"max_tokens\": 12, \"ignore_eos\": true, \"stream\": true}");
        CompletableFuture<Http.Response> plain = CompletableFuture.supplyAsync(() -> http.post("/v1/completions",
                "{\"prompt\": \"Hello\", \"max_tokens\": 12, \"ignore_eos\": true}"));
        assertTrue(streaming.awaitEvents(1));
        Await.until("both requests running", Duration.ofSeconds(30), () -> engine.stats().running() == 2,
                () -> engine.stats().toString());

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::stop);
        Await.until("the port closed", Duration.ofSeconds(30), () -> !accepts(server.port()), () -> "still accepting");

        String events = streaming.readToEnd();
        assertTrue(events.contains("\"finish_reason\":\"length\""), events);
        assertTrue(events.contains("\"completion_tokens\":12"), events);
        Http.Response r = plain.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body());
        JsonNode choice = r.json().at("/choices/0");
        assertEquals("length", choice.get("finish_reason").asText());
        assertEquals(12, r.json().at("/usage/completion_tokens").asInt());
        stopped.get(60, TimeUnit.SECONDS);
    }

    @Test
    void whatOutlivesTheDrainTimeIsCancelledAndTold() throws Exception {
        JllmServer server = TestServers.start("--drain-seconds", "1");
        Http http = new Http(server);
        RawClient streaming = RawClient.post(server.port(), "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 900,"
                        + " \"ignore_eos\": true, \"stream\": true}");
        CompletableFuture<Http.Response> plain = CompletableFuture.supplyAsync(() -> http.post("/generate",
                "{\"prompt\": \"Hello\", \"max_tokens\": 900, \"ignore_eos\": true}"));
        assertTrue(streaming.awaitEvents(2), "the role chunk and a first token");
        InferenceEngine engine = server.loaded().join();
        Await.until("both requests running", Duration.ofSeconds(30), () -> engine.stats().running() == 2,
                () -> engine.stats().toString());
        long start = System.nanoTime();
        server.stop();
        long stopMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(stopMillis < 30_000, "stop took " + stopMillis + " ms with a 1 s drain");
        String events = streaming.readToEnd();
        assertTrue(events.contains("shut down before this request finished"), events);
        assertTrue(events.contains("data: [DONE]"), events);
        Http.Response r = plain.get(30, TimeUnit.SECONDS);
        assertEquals(500, r.status(), r.body());
        assertTrue(r.error().get("message").asText().contains("shut down"), r.body());
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
