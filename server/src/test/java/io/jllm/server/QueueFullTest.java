package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.api.InferenceEngine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A full waiting queue answers 503 with Retry-After, and the server recovers once it drains. */
class QueueFullTest {
    private static final String LONG = "{\"prompt\": \"Hello\", \"max_tokens\": 1000, \"ignore_eos\": true,"
            + " \"stream\": true}";

    @Test
    void aFullQueueIsA503WithRetryAfter() {
        try (JllmServer server = TestServers.start("--parallel", "1", "--batch-tokens", "64", "--max-queue", "1")) {
            InferenceEngine engine = server.loaded().join();
            Http http = new Http(server);
            // A runs (it streams a token), B waits behind it: the queue of one is full.
            RawClient a = RawClient.post(server.port(), "/generate", LONG);
            assertTrue(a.awaitEvents(1));
            RawClient b = RawClient.post(server.port(), "/generate", LONG);
            Await.until("B waiting", Duration.ofSeconds(30), () -> engine.stats().waiting() == 1,
                    () -> engine.stats().toString());
            Http.Response c = http.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 1}");
            assertEquals(503, c.status(), c.body());
            assertEquals("queue_full", c.error().get("code").asText());
            assertEquals("server_error", c.error().get("type").asText());
            assertEquals("1", c.header("retry-after"));
            // A's client leaves: B starts.
            a.close();
            assertTrue(b.awaitEvents(1), "B runs once A is gone");
            b.reset();
            Await.idle(engine, Duration.ofSeconds(30));
            assertEquals(200, http.post("/generate", "{\"prompt\": \"Hi\", \"max_tokens\": 1}").status(),
                    "an idle server takes requests again");
        }
    }
}
