package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health through loading, failure and readiness; the API key's protection. */
class HealthAndApiKeyTest {
    @Test
    void healthSaysLoadingUntilTheModelIsReady() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ServerConfig config = ServerOptions.parse("--model", TestServers.tinyModel().toString(), "--port", "0",
                "--threads", "2", "--ctx", "512", "--kv-cache", "2048", "--warmup", "0");
        try (JllmServer server = JllmServer.start(config, () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            Http http = new Http(server);
            Http.Response loading = http.get("/health");
            assertEquals(503, loading.status());
            assertEquals("loading", loading.json().get("status").asText());
            Http.Response early = http.post("/generate", "{\"prompt\": \"Hi\", \"max_tokens\": 1}");
            assertEquals(503, early.status());
            assertEquals("model_loading", early.error().get("code").asText());
            assertTrue(Integer.parseInt(early.header("retry-after")) > 0);
            release.countDown();
            server.loaded().join();
            Http.Response ready = http.get("/health");
            assertEquals(200, ready.status());
            assertEquals("ok", ready.json().get("status").asText());
        }
    }

    @Test
    void aModelThatFailsToLoadIsReportedByHealth(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "this is not a GGUF file");
        try (JllmServer server = JllmServer.start(ServerOptions.parse("--model", junk.toString(), "--port", "0"))) {
            assertThrows(CompletionException.class, () -> server.loaded().join());
            Http.Response r = new Http(server).get("/health");
            assertEquals(503, r.status());
            assertEquals("error", r.json().get("status").asText());
            assertTrue(r.json().get("error").asText().length() > 10, r.body());
            Http.Response gen = new Http(server).post("/generate", "{\"prompt\": \"Hi\"}");
            assertEquals(503, gen.status());
            assertEquals("model_failed", gen.error().get("code").asText());
        }
    }

    @Test
    void apiKeyProtectsEverythingButHealth() {
        try (JllmServer server = TestServers.start("--api-key", "s3cret")) {
            Http anonymous = new Http(server);
            Http wrong = new Http(server, "guess");
            Http right = new Http(server, "s3cret");
            assertEquals(200, anonymous.get("/health").status(), "health stays open for probes");
            for (String path : List.of("/v1/models", "/metrics")) {
                Http.Response r = anonymous.get(path);
                assertEquals(401, r.status(), path);
                assertEquals("invalid_api_key", r.error().get("code").asText());
                assertEquals("Bearer", r.header("www-authenticate"));
                assertEquals(401, wrong.get(path).status(), path);
                assertEquals(200, right.get(path).status(), path);
            }
            String body = "{\"prompt\": \"Hi\", \"max_tokens\": 1}";
            for (String path : List.of("/generate", "/v1/completions", "/tokenize", "/detokenize")) {
                assertEquals(401, anonymous.post(path, body).status(), path);
                assertEquals(401, wrong.post(path, body).status(), path);
            }
            assertEquals(401, anonymous.post("/v1/chat/completions", "{}").status());
            assertEquals(200, right.post("/generate", body).status());
            assertEquals(200, right.post("/tokenize", "{\"content\": \"Hi\"}").status());
        }
    }
}
