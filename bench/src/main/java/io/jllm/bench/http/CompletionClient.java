package io.jllm.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jllm.bench.serve.ClosedLoop;
import io.jllm.bench.serve.RequestTiming;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client of the server's {@code POST /v1/completions} with the JDK HttpClient (HTTP/1.1): token-id
 * prompts, greedy, ignore_eos, streaming (SSE, TTFT seen at the first chunk) or not. It checks what it
 * gets (status, the stream's end, the token count) and can vanish mid-stream to cancel.
 */
public final class CompletionClient implements ClosedLoop.Client {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http;
    private final URI uri;
    private final int maxTokens;
    private final boolean stream;

    public CompletionClient(HttpClient http, URI base, int maxTokens, boolean stream) {
        this.http = http;
        this.uri = base.resolve("/v1/completions");
        this.maxTokens = maxTokens;
        this.stream = stream;
    }

    /** An HTTP/1.1 client whose callbacks run on virtual threads. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    static String body(int[] prompt, int maxTokens, boolean stream) {
        ObjectNode body = JSON.createObjectNode();
        var ids = body.putArray("prompt");
        for (int id : prompt) {
            ids.add(id);
        }
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", stream);
        if (stream) {
            body.putObject("stream_options").put("include_usage", true);
        }
        return body.toString();
    }

    @Override
    public RequestTiming call(int[] prompt) throws IOException, InterruptedException {
        return call(prompt, maxTokens, stream, -1);
    }

    /**
     * Sends one request; with {@code leaveAfterEvents >= 0} (streaming only) it closes the connection
     * after that many data events, as a client that goes away, and reports "cancelled" as its error.
     */
    public RequestTiming call(int[] prompt, int tokens, boolean streaming, int leaveAfterEvents)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(prompt, tokens, streaming))).build();
        long start = System.nanoTime();
        if (!streaming) {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            long end = System.nanoTime();
            if (response.statusCode() != 200) {
                return RequestTiming.failed(start, end, "HTTP " + response.statusCode());
            }
            JsonNode answer = JSON.readTree(response.body());
            int n = answer.path("usage").path("completion_tokens").asInt(-1);
            String error = check(n, tokens, answer.path("choices").path(0).path("finish_reason").asText());
            return new RequestTiming(start, -1, end, Math.max(n, 0), error);
        }
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body();
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                return RequestTiming.failed(start, System.nanoTime(), "HTTP " + response.statusCode());
            }
            long first = -1;
            int events = 0;
            int n = -1;
            String finish = null;
            boolean done = false;
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                if (first < 0) {
                    first = System.nanoTime();
                }
                events++;
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    return new RequestTiming(start, first, System.nanoTime(), 0, "stream error event");
                }
                JsonNode choice = chunk.path("choices").path(0);
                if (!choice.path("finish_reason").isMissingNode() && !choice.path("finish_reason").isNull()) {
                    finish = choice.path("finish_reason").asText();
                }
                if (chunk.path("usage").isObject()) {
                    n = chunk.path("usage").path("completion_tokens").asInt(-1);
                }
                if (leaveAfterEvents >= 0 && events >= leaveAfterEvents) {
                    // Closing the body before its end makes the client drop the connection: the server sees
                    // a vanished client and must cancel the generation.
                    return new RequestTiming(start, first, System.nanoTime(), events, "cancelled");
                }
            }
            long end = System.nanoTime();
            if (!done) {
                return new RequestTiming(start, first, end, 0, "stream ended without [DONE]");
            }
            return new RequestTiming(start, first, end, Math.max(n, 0), check(n, tokens, finish));
        }
    }

    private static String check(int tokens, int wanted, String finish) {
        if (tokens != wanted) {
            return "short answer (finish_reason " + finish + ")";
        }
        return null;
    }
}
