package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The fixture written by oracle/chat/render_goldens.py, and its OpenAI-style messages as {@link ChatMessage}s. */
final class ChatGoldens {
    static final JsonNode DOC = load();

    private ChatGoldens() {
    }

    private static JsonNode load() {
        try (InputStream in = ChatGoldens.class.getResourceAsStream("qwen3-chat-goldens.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ChatMessage> messages(JsonNode array) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : array) {
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode c : m.path("tool_calls")) {
                JsonNode f = c.has("function") ? c.get("function") : c;
                calls.add(new ToolCall(text(c, "id"), f.get("name").textValue(), f.get("arguments")));
            }
            out.add(new ChatMessage(Role.fromWireName(m.get("role").textValue()), text(m, "content"),
                    text(m, "reasoning_content"), calls, text(m, "tool_call_id"), text(m, "name")));
        }
        return out;
    }

    static List<JsonNode> tools(JsonNode testCase) {
        List<JsonNode> tools = new ArrayList<>();
        testCase.path("tools").forEach(tools::add);
        return tools;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.textValue();
    }
}
