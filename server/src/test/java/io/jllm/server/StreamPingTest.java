package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.api.InferenceEngine;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streams send SSE comments while no token comes, so a long prefill neither looks dead to proxies nor
 * hides a client that left. A one-token step budget makes the prefill of a long prompt take hundreds
 * of steps, and a 5 ms ping interval makes pings certain long before the first token.
 */
class StreamPingTest {
    private static String longPrompt(String word) {
        // Each test its own prompt: the prefix cache would make a repeated prompt's prefill instant.
        return "{\"prompt\": \"" + (word + " ").repeat(300) + "\", \"max_tokens\": 3, \"ignore_eos\": true,"
                + " \"stream\": true}";
    }
    private static JllmServer server;
    private static InferenceEngine engine;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start(TestServers.config("--parallel", "1", "--batch-tokens", "1")
                .withSsePing(Duration.ofMillis(5)));
        engine = server.loaded().join();
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void pingsComeDuringPrefillAndTheAnswerIsUnchanged() {
        RawClient c = RawClient.post(server.port(), "/generate", longPrompt("word"));
        assertTrue(c.await("\"finish_reason\"", 1));
        String all = c.received();
        c.close();
        int ping = all.indexOf("\n: ping\n");
        assertTrue(ping > 0 && ping < all.indexOf("data: "), "a ping before the first token: " + all);
        assertTrue(all.contains("\"finish_reason\":\"length\""), all);
        assertEquals(3 + 1, all.split("data: ", -1).length - 1, "three token events and the summary");
    }

    @Test
    void aClientGoneDuringPrefillIsNoticedBeforeItsFirstToken() {
        double cancelled = http.metric("jllm_requests_total", "finish_reason=\"cancelled\"");
        long generated = engine.stats().generatedTokens();
        RawClient c = RawClient.post(server.port(), "/generate", longPrompt("other"));
        assertTrue(c.await(": ping", 1));
        c.close();
        Await.idle(engine, Duration.ofSeconds(60));
        Await.until("the cancellation recorded", Duration.ofSeconds(10),
                () -> http.metric("jllm_requests_total", "finish_reason=\"cancelled\"") == cancelled + 1,
                () -> http.get("/metrics").body());
        assertEquals(generated, engine.stats().generatedTokens(), "cancelled during its prefill");
    }
}
