package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad requests get a 400 (or 413, 404) with an OpenAI-style error naming what was wrong. */
class ErrorsTest {
    private static final int MAX_BODY = 16384;
    private static JllmServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start("--max-body", Integer.toString(MAX_BODY));
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    static Stream<Arguments> badFields() {
        return Stream.of(
                Arguments.of("/generate", "{\"prompt\": 5}", "prompt"),
                Arguments.of("/generate", "{}", "prompt"),
                Arguments.of("/generate", "{\"prompt\": \"\"}", "prompt"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"temperature\": \"hot\"}", "temperature"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"temperature\": -1}", "temperature"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"top_k\": 1.5}", "top_k"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"top_k\": -5}", "top_k"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"top_p\": 2}", "top_p"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"min_p\": -0.1}", "min_p"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"repeat_penalty\": 0}", "repeat_penalty"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"repeat_last_n\": -2}", "repeat_last_n"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"frequency_penalty\": 3}", "frequency_penalty"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"presence_penalty\": -2.5}", "presence_penalty"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"max_tokens\": 0}", "max_tokens"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"max_tokens\": \"10\"}", "max_tokens"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"n_predict\": -3}", "n_predict"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"seed\": \"x\"}", "seed"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"stop\": 5}", "stop"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"stop\": [\"x\", 1]}", "stop[1]"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"stop\": [\"\"]}", "stop"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"stream\": \"yes\"}", "stream"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"ignore_eos\": 1}", "ignore_eos"),
                Arguments.of("/generate", "{\"prompt\": [1, 999999999]}", "prompt[1]"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": \"x\"}", "logit_bias"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": {\"hello\": 1}}", "logit_bias.hello"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": {\"999999999\": 1}}",
                        "logit_bias.999999999"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": {\"5\": \"big\"}}", "logit_bias.5"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": [[5]]}", "logit_bias[0]"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": [[5, true]]}", "logit_bias[0]"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": [[5.5, 1]]}", "logit_bias[0]"),
                Arguments.of("/generate", "{\"prompt\": \"a\", \"logit_bias\": [[1, 2], [999999999, 1]]}",
                        "logit_bias[1]"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"logit_bias\": {\"-3\": 1}}", "logit_bias.-3"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"n\": 2}", "n"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"best_of\": 3}", "best_of"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"logprobs\": 5}", "logprobs"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"response_format\": {\"type\": \"json_object\"}}", "response_format"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"response_format\": \"json\"}", "response_format"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"response_format\": {\"type\": \"json_schema\","
                        + " \"json_schema\": {\"name\": \"x\", \"schema\": {}}}}", "response_format"),
                Arguments.of("/v1/completions", "{\"prompt\": [\"a\", \"b\"]}", "prompt"),
                Arguments.of("/v1/completions", "{\"prompt\": \"a\", \"stream_options\": \"x\"}", "stream_options"),
                Arguments.of("/v1/chat/completions", "{}", "messages"),
                Arguments.of("/v1/chat/completions", "{\"messages\": \"hi\"}", "messages"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"content\": \"hi\"}]}", "messages[0].role"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}",
                        "messages[0].role"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                        + " [{\"type\": \"image_url\", \"image_url\": {\"url\": \"x\"}}]}]}", "messages[0].content[0]"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": null}]}",
                        "messages[0]"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"assistant\", \"content\": null,"
                        + " \"tool_calls\": [{\"id\": \"1\"}]}]}", "messages[0].tool_calls[0]"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"tools\": \"x\"}", "tools"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"chat_template_kwargs\": {\"enable_thinking\": \"no\"}}",
                        "chat_template_kwargs.enable_thinking"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"max_completion_tokens\": -2}", "max_completion_tokens"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"n\": 3}", "n"),
                Arguments.of("/tokenize", "{}", "content"),
                Arguments.of("/detokenize", "{\"tokens\": \"x\"}", "tokens"),
                Arguments.of("/detokenize", "{\"tokens\": [-1]}", "tokens[0]"));
    }

    @ParameterizedTest(name = "{0} {1} -> 400 {2}")
    @MethodSource("badFields")
    void badFieldIsA400NamingIt(String path, String body, String param) {
        Http.Response r = http.post(path, body);
        assertEquals(400, r.status(), r.body());
        JsonNode e = r.error();
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals(param, e.get("param").asText(), r.body());
        assertTrue(e.get("message").asText().contains(param), "the message names " + param + ": " + r.body());
    }

    @Test
    void malformedJsonSaysWhere() {
        Http.Response r = http.post("/generate", "{\"prompt\": \"a\",}");
        assertEquals(400, r.status());
        String message = r.error().get("message").asText();
        assertTrue(message.startsWith("malformed JSON in the request body at line 1, column"), message);
        assertTrue(r.error().get("param").isNull());
        assertEquals(400, http.post("/generate", "[1, 2]").status());
        assertEquals(400, http.post("/generate", "").status());
        assertEquals(400, http.post("/generate", "{\"prompt\": \"a\"} {}").status(), "trailing content");
    }

    @Test
    void promptAndMaxTokensBeyondTheContextIsA400WithTheNumbers() {
        Http.Response r = http.post("/generate", "{\"prompt\": \"Hello\", \"max_tokens\": 5000}");
        assertEquals(400, r.status());
        assertEquals("context_length_exceeded", r.error().get("code").asText());
        String message = r.error().get("message").asText();
        assertTrue(message.contains("5000") && message.contains("1024"), message);
        Http.Response chat = http.post("/v1/chat/completions", Json.object().put("max_tokens", 10)
                .set("messages", Json.MAPPER.createArrayNode().add(Json.object().put("role", "user")
                        .put("content", "word ".repeat(1100)))));
        assertEquals(400, chat.status());
        assertEquals("messages", chat.error().get("param").asText());
        assertTrue(chat.error().get("message").asText().contains("1024"), chat.body());
    }

    @Test
    void bodyOverTheLimitIsA413() throws Exception {
        String big = "{\"prompt\": \"" + "x".repeat(MAX_BODY) + "\"}";
        Http.Response r = http.post("/generate", big);
        assertEquals(413, r.status());
        assertTrue(r.error().get("message").asText().contains(Integer.toString(MAX_BODY)), r.body());
        // The same body without a Content-Length (chunked): found while reading it.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(http.base() + "/generate"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())))
                .build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> c = client.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertEquals(413, c.statusCode(), c.body());
            assertTrue(c.body().contains("\"error\""), c.body());
        } catch (IOException e) {
            throw new AssertionError("the server must answer 413, not drop the connection", e);
        }
    }

    /**
     * A body whose declared length is over the limit is refused as too long even where its first
     * bytes are not JSON (it used to get a 400 for those), and the connection stays usable. Without
     * a declared length the server learns only by parsing, so the same body sent chunked is malformed.
     */
    @Test
    void anOverLongBodyIsA413WhateverItHolds() throws Exception {
        byte[] junk = ("not json " + "x".repeat(MAX_BODY)).getBytes(StandardCharsets.US_ASCII);
        byte[] small = "{\"content\": \"hello\"}".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = rawConnection()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            String[] refused = exchange(out, in, "/generate", junk);
            assertTrue(refused[0].startsWith("HTTP/1.1 413"), refused[0]);
            assertTrue(refused[1].contains(Integer.toString(MAX_BODY)), refused[1]);
            String[] next = exchange(out, in, "/tokenize", small);
            assertTrue(next[0].startsWith("HTTP/1.1 200") && next[1].contains("tokens"), next[0] + next[1]);
        }
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(http.base() + "/generate"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(junk))).build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> c = client.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertEquals(400, c.statusCode(), c.body());
            assertTrue(c.body().contains("malformed JSON"), c.body());
        }
    }

    /**
     * The 413 must reach the client whole: the server reads the rest of the over-long body before it
     * answers, so the answer is never lost to a reset and the connection stays usable. Twenty requests
     * on one connection, each over the limit but one, each answered in order.
     */
    @Test
    void overLongBodiesAreReadOutAndAnsweredOnTheSameConnection() throws Exception {
        byte[] big = ("{\"prompt\": \"" + "x".repeat(MAX_BODY) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] small = "{\"content\": \"hello\"}".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = rawConnection()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            for (int i = 0; i < 20; i++) {
                boolean last = i == 19;
                String[] answer = exchange(out, in, last ? "/tokenize" : "/generate", last ? small : big);
                assertTrue(answer[0].startsWith(last ? "HTTP/1.1 200" : "HTTP/1.1 413"),
                        "request " + i + ": " + answer[0]);
                assertTrue(answer[1].contains(last ? "tokens" : "--max-body"), answer[1]);
            }
        }
    }

    /** A plain socket to the server, for requests written byte by byte. */
    private Socket rawConnection() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** One POST with a Content-Length on an open connection, and its answer: {head, body}. */
    private static String[] exchange(OutputStream out, DataInputStream in, String path, byte[] body)
            throws IOException {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        String head = readHead(in);
        byte[] answer = new byte[Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"))];
        in.readFully(answer);
        return new String[] {head, new String(answer, StandardCharsets.UTF_8)};
    }

    private static String readHead(DataInputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the server closed the connection after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    @Test
    void unknownEndpointIsA404InJson() {
        Http.Response r = http.get("/v2/nothing");
        assertEquals(404, r.status());
        assertTrue(r.error().get("message").asText().contains("/v1/chat/completions"), r.body());
    }
}
