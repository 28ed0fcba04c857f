package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint's answer, streaming and not, over real HTTP on one server. */
class EndpointsTest {
    private static JllmServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start();
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void generateReturnsTextTokensUsageAndTimings() {
        JsonNode r = ok(http.post("/generate", "{\"prompt\": \"Hello\", \"max_tokens\": 5, \"temperature\": 0,"
                + " \"ignore_eos\": true}"));
        assertEquals("length", r.get("finish_reason").asText());
        assertEquals(5, r.get("tokens").size());
        int prompt = tokenize("Hello").size();
        assertEquals(prompt, r.at("/usage/prompt_tokens").asInt());
        assertEquals(5, r.at("/usage/completion_tokens").asInt());
        assertEquals(prompt + 5, r.at("/usage/total_tokens").asInt());
        assertEquals(detokenize(r.get("tokens")), r.get("text").asText(), "text is the decoded tokens");
        JsonNode t = r.get("timings");
        for (String f : List.of("queue_ms", "prompt_ms", "prompt_per_second", "predicted_ms", "predicted_per_second",
                "ttft_ms")) {
            assertTrue(t.has(f) && t.get(f).asDouble() >= 0, f + " in " + t);
        }
        assertTrue(t.get("ttft_ms").asDouble() >= t.get("queue_ms").asDouble());
    }

    @Test
    void greedyGenerationIsRepeatableAndSeedsRepeatSampling() {
        String greedy = "{\"prompt\": \"Once upon\", \"max_tokens\": 6, \"temperature\": 0, \"ignore_eos\": true}";
        assertEquals(ok(http.post("/generate", greedy)).get("tokens"), ok(http.post("/generate", greedy)).get("tokens"));
        String seeded = "{\"prompt\": \"Once upon\", \"max_tokens\": 6, \"temperature\": 1.5, \"top_k\": 0,"
                + " \"min_p\": 0, \"top_p\": 1, \"seed\": 7, \"ignore_eos\": true}";
        assertEquals(ok(http.post("/generate", seeded)).get("tokens"), ok(http.post("/generate", seeded)).get("tokens"));
    }

    @Test
    void logitBiasBansAndFavoursTokensInBothForms() {
        String base = "{\"prompt\": \"Once upon\", \"max_tokens\": 4, \"temperature\": 0, \"ignore_eos\": true";
        JsonNode plain = ok(http.post("/generate", base + "}")).get("tokens");
        int first = plain.get(0).asInt();
        // llama-server's form: [id, false] bans the token
        JsonNode banned = ok(http.post("/generate", base + ", \"logit_bias\": [[" + first + ", false]]}")).get("tokens");
        assertEquals(4, banned.size());
        for (JsonNode t : banned) {
            assertNotEquals(first, t.asInt(), "banned token generated: " + banned);
        }
        // OpenAI's form: +100 on one token makes it every greedy pick
        int favoured = tokenize(" castle").get(0).asInt();
        JsonNode c = ok(http.post("/v1/completions", "{\"prompt\": \"Once upon\", \"max_tokens\": 3,"
                + " \"temperature\": 0, \"ignore_eos\": true, \"logit_bias\": {\"" + favoured + "\": 100}}"));
        com.fasterxml.jackson.databind.node.ArrayNode three = Json.MAPPER.createArrayNode();
        three.add(favoured).add(favoured).add(favoured);
        assertEquals(detokenize(three), c.at("/choices/0/text").asText());
        // a small bias leaves the greedy choice where it was
        assertEquals(plain, ok(http.post("/generate", base + ", \"logit_bias\": {\"" + favoured + "\": 0}}"))
                .get("tokens"));
    }

    @Test
    void plainTextResponseFormatIsAccepted() {
        JsonNode r = ok(http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 2, \"response_format\": {\"type\": \"text\"}}"));
        assertEquals(2, r.at("/usage/completion_tokens").asInt());
    }

    @Test
    void generateStreamsOneEventPerTokenThenTheSummary() {
        Http.Events e = http.stream("/generate", "{\"prompt\": \"Hello\", \"max_tokens\": 5, \"temperature\": 0,"
                + " \"ignore_eos\": true, \"stream\": true}");
        assertEquals(200, e.status());
        assertTrue(e.contentType().startsWith("text/event-stream"), e.contentType());
        List<JsonNode> events = e.json();
        JsonNode last = events.getLast();
        assertEquals("length", last.get("finish_reason").asText());
        assertEquals(5, last.at("/usage/completion_tokens").asInt());
        assertTrue(last.has("timings"));
        List<JsonNode> tokens = events.subList(0, events.size() - 1);
        assertEquals(5, tokens.size(), "one event per token: " + events);
        JsonNode whole = ok(http.post("/generate", "{\"prompt\": \"Hello\", \"max_tokens\": 5, \"temperature\": 0,"
                + " \"ignore_eos\": true}"));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            assertEquals(whole.get("tokens").get(i).asInt(), tokens.get(i).get("token").asInt());
            text.append(tokens.get(i).get("text").asText());
        }
        assertEquals(whole.get("text").asText(), text.toString(), "streamed text equals the non-streamed text");
    }

    @Test
    void stopStringEndsGenerationAndIsNotReturned() {
        JsonNode free = ok(http.post("/generate", "{\"prompt\": \"The\", \"max_tokens\": 8, \"temperature\": 0,"
                + " \"ignore_eos\": true}"));
        String text = free.get("text").asText();
        // A stop string taken from the middle of the greedy output: the same output must stop right before it.
        String stop = text.substring(text.length() / 2, text.length() / 2 + 1).isBlank()
                ? text.substring(text.length() - 2) : text.substring(text.length() / 2, text.length() / 2 + 1);
        JsonNode stopped = ok(http.post("/generate", Json.object().put("prompt", "The").put("max_tokens", 8)
                .put("temperature", 0).put("ignore_eos", true).put("stop", stop)));
        assertEquals("stop", stopped.get("finish_reason").asText());
        assertEquals(text.substring(0, text.indexOf(stop)), stopped.get("text").asText());
    }

    @Test
    void completionsHaveOpenAisShape() {
        JsonNode r = ok(http.post("/v1/completions", "{\"model\": \"x\", \"prompt\": \"Hello\", \"max_tokens\": 4,"
                + " \"temperature\": 0, \"ignore_eos\": true, \"user\": \"extra fields are ignored\"}"));
        assertTrue(r.get("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", r.get("object").asText());
        assertTrue(r.get("created").asLong() > 1_600_000_000L);
        assertEquals(server.modelId(), r.get("model").asText());
        JsonNode choice = r.get("choices").get(0);
        assertEquals(0, choice.get("index").asInt());
        assertTrue(choice.get("logprobs").isNull());
        assertEquals("length", choice.get("finish_reason").asText());
        assertEquals(4, r.at("/usage/completion_tokens").asInt());
        String text = choice.get("text").asText();
        JsonNode echoed = ok(http.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 4,"
                + " \"temperature\": 0, \"ignore_eos\": true, \"echo\": true}"));
        assertEquals("Hello" + text, echoed.at("/choices/0/text").asText());
    }

    @Test
    void completionsStreamChunksThenUsageThenDone() {
        Http.Events e = http.stream("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 4, \"temperature\": 0,"
                + " \"ignore_eos\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        assertEquals("[DONE]", e.data().getLast());
        List<JsonNode> chunks = e.json();
        JsonNode usage = chunks.getLast();
        assertEquals(0, usage.get("choices").size());
        assertEquals(4, usage.at("/usage/completion_tokens").asInt());
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertEquals("length", finish.at("/choices/0/finish_reason").asText());
        StringBuilder text = new StringBuilder();
        String id = chunks.getFirst().get("id").asText();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertEquals("text_completion", c.get("object").asText());
            assertEquals(id, c.get("id").asText(), "one id for the whole stream");
            assertTrue(c.get("usage").isNull(), "usage is null before the last chunk");
            text.append(c.at("/choices/0/text").asText());
        }
        JsonNode whole = ok(http.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 4,"
                + " \"temperature\": 0, \"ignore_eos\": true}"));
        assertEquals(whole.at("/choices/0/text").asText(), text.toString());
    }

    @Test
    void chatCompletionRendersTheTemplate() {
        String messages = "[{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hi\"}]}]";
        JsonNode r = ok(http.post("/v1/chat/completions", "{\"model\": \"m\", \"messages\": " + messages
                + ", \"max_completion_tokens\": 3, \"temperature\": 0, \"ignore_eos\": true}"));
        assertTrue(r.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", r.get("object").asText());
        JsonNode choice = r.get("choices").get(0);
        assertEquals("assistant", choice.at("/message/role").asText());
        assertTrue(choice.at("/message/content").isTextual());
        assertEquals("length", choice.get("finish_reason").asText());
        assertEquals(3, r.at("/usage/completion_tokens").asInt());
        // The prompt is the Qwen3 rendering of the conversation.
        String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(tokenize(rendered).size(), r.at("/usage/prompt_tokens").asInt());
        JsonNode noThink = ok(http.post("/v1/chat/completions", "{\"messages\": " + messages
                + ", \"max_tokens\": 1, \"chat_template_kwargs\": {\"enable_thinking\": false}}"));
        assertEquals(tokenize(rendered + "<think>\n\n</think>\n\n").size(), noThink.at("/usage/prompt_tokens").asInt(),
                "enable_thinking=false adds Qwen3's empty think block");
    }

    @Test
    void chatAcceptsToolsAndToolCallsAndToolResults() {
        String body = """
                {"messages": [
                  {"role": "user", "content": "Weather in Paris?"},
                  {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
                 "max_tokens": 2, "temperature": 0}""";
        JsonNode r = ok(http.post("/v1/chat/completions", body));
        int withTools = r.at("/usage/prompt_tokens").asInt();
        JsonNode without = ok(http.post("/v1/chat/completions", body.replace("\"tools\"", "\"tool_choice\": \"none\","
                + " \"tools\"")));
        assertTrue(withTools > without.at("/usage/prompt_tokens").asInt() + 20,
                "the tool definitions are rendered into the prompt unless tool_choice is none");
    }

    @Test
    void chatStreamStartsWithTheRoleAndEndsWithDone() {
        Http.Events e = http.stream("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 4, \"temperature\": 0, \"ignore_eos\": true, \"stream\": true}");
        assertEquals("[DONE]", e.data().getLast());
        List<JsonNode> chunks = e.json();
        assertEquals("assistant", chunks.getFirst().at("/choices/0/delta/role").asText());
        JsonNode last = chunks.getLast();
        assertEquals("length", last.at("/choices/0/finish_reason").asText());
        assertTrue(last.at("/choices/0/delta").isEmpty());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.get("object").asText());
            assertFalse(c.has("usage"), "no usage field unless asked for");
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        JsonNode whole = ok(http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Hi\"}], \"max_tokens\": 4, \"temperature\": 0, \"ignore_eos\": true}"));
        assertEquals(whole.at("/choices/0/message/content").asText(), text.toString());
    }

    @Test
    void modelsListsTheServedModel() {
        JsonNode r = ok(http.get("/v1/models"));
        assertEquals("list", r.get("object").asText());
        JsonNode m = r.get("data").get(0);
        assertEquals(server.modelId(), m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertEquals(1024, m.at("/meta/n_ctx").asInt());
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        JsonNode ids = tokenize("Hello world <|im_start|>");
        assertEquals(151644, ids.get(ids.size() - 1).asInt(), "special tokens are parsed by default");
        assertEquals("Hello world <|im_start|>", detokenize(ids));
        JsonNode plain = ok(http.post("/tokenize", "{\"content\": \"<|im_start|>\", \"parse_special\": false}"))
                .get("tokens");
        assertTrue(plain.size() > 1, "without parse_special the marker is text");
        JsonNode pieces = ok(http.post("/tokenize", "{\"content\": \"Hi\", \"with_pieces\": true}")).get("tokens");
        assertEquals("Hi", pieces.get(0).get("piece").asText());
        assertNotNull(pieces.get(0).get("id"));
    }

    @Test
    void healthIsOkWhenReady() {
        Http.Response r = http.get("/health");
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").asText());
    }

    @Test
    void metricsCountRequestsAndLatencies() {
        double before = metric("jllm_requests_total", "finish_reason=\"length\"");
        double ttftBefore = metric("jllm_time_to_first_token_seconds_count", "");
        double itlBefore = metric("jllm_inter_token_latency_seconds_count", "");
        double generatedBefore = metric("jllm_generated_tokens_total", "");
        ok(http.post("/generate", "{\"prompt\": \"Hi\", \"max_tokens\": 3, \"ignore_eos\": true}"));
        assertEquals(before + 1, metric("jllm_requests_total", "finish_reason=\"length\""));
        assertEquals(ttftBefore + 1, metric("jllm_time_to_first_token_seconds_count", ""));
        assertEquals(itlBefore + 2, metric("jllm_inter_token_latency_seconds_count", ""), "3 tokens, 2 gaps");
        assertTrue(metric("jllm_generated_tokens_total", "") >= generatedBefore + 3);
        String text = http.get("/metrics").body();
        for (String name : List.of("jllm_requests_waiting", "jllm_requests_running", "jllm_kv_blocks_used",
                "jllm_kv_blocks_free", "jllm_preemptions_total", "jllm_prefix_cache_hit_tokens_total",
                "jllm_prefix_cache_hit_rate", "jllm_prompt_tokens_total", "jllm_request_latency_seconds_bucket",
                "jllm_time_to_first_token_seconds_bucket", "jllm_inter_token_latency_seconds_bucket")) {
            assertTrue(text.contains("\n" + name), name + " in /metrics");
        }
        assertFalse(text.contains("quantile="), "histograms carry buckets, not client-side quantiles");
        assertNotEquals(0.0, metric("jllm_kv_blocks_free", ""));
    }

    @Test
    void unknownFieldsAreIgnoredAndNullsMeanDefault() {
        JsonNode r = ok(http.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 2, \"temperature\": null,"
                + " \"logit_bias\": {}, \"suffix\": null, \"something_new\": [1, 2]}"));
        assertNull(r.get("error"));
    }

    private static double metric(String name, String labels) {
        return http.metric(name, labels);
    }

    private static JsonNode tokenize(String text) {
        return ok(http.post("/tokenize", Json.object().put("content", text))).get("tokens");
    }

    private static String detokenize(JsonNode ids) {
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.object();
        body.set("tokens", ids);
        return ok(http.post("/detokenize", body)).get("content").asText();
    }

    static JsonNode ok(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        return r.json();
    }
}
