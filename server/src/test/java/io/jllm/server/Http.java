package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A JDK HttpClient on one test server, speaking JSON. */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String apiKey;

    Http(JllmServer server) {
        this(server, null);
    }

    Http(JllmServer server, String apiKey) {
        this.base = "http://127.0.0.1:" + server.port();
        this.apiKey = apiKey;
    }

    String base() {
        return base;
    }

    /** A response with its body read as text. */
    record Response(int status, String body, HttpResponse<?> raw) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** The error object of an OpenAI-style error body. */
        JsonNode error() {
            JsonNode e = json().get("error");
            if (e == null) {
                throw new AssertionError("no error object in: " + body);
            }
            return e;
        }
    }

    Response get(String path) {
        return send(builder(path).GET().build());
    }

    Response post(String path, String json) {
        return send(builder(path).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Response post(String path, JsonNode json) {
        return post(path, json.toString());
    }

    /** A streaming POST: the status and the SSE {@code data:} payloads (comments skipped) in order. */
    record Events(int status, List<String> data, String contentType) {
        List<JsonNode> json() {
            List<JsonNode> out = new ArrayList<>();
            for (String d : data) {
                if (!d.equals("[DONE]")) {
                    try {
                        out.add(Json.MAPPER.readTree(d));
                    } catch (IOException e) {
                        throw new AssertionError("event is not JSON: " + d, e);
                    }
                }
            }
            return out;
        }
    }

    Events stream(String path, String json) {
        HttpRequest req = builder(path).POST(HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            HttpResponse<java.io.InputStream> res = CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
            List<String> data = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        data.add(line.substring(6));
                    } else if (!line.isEmpty() && !line.startsWith(":") && res.statusCode() == 200) {
                        throw new AssertionError("unexpected SSE line: " + line);
                    } else if (res.statusCode() != 200) {
                        data.add(line);
                    }
                }
            }
            return new Events(res.statusCode(), data, res.headers().firstValue("content-type").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The value of the series {@code name} whose labels contain {@code labels} (e.g. {@code finish_reason="stop"}). */
    double metric(String name, String labels) {
        String text = get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no metric " + name + "{" + labels + "} in\n" + text);
    }

    private HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json");
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private static Response send(HttpRequest req) {
        try {
            HttpResponse<String> res = CLIENT.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(res.statusCode(), res.body(), res);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
