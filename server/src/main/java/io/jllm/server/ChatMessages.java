package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.jllm.engine.chat.ChatMessage;
import io.jllm.engine.chat.Role;
import io.jllm.engine.chat.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI chat {@code messages} and {@code tools} as the engine's chat types. Content is text: a string, or
 * an array of {@code {"type": "text", "text": ...}} parts (other part types are refused). The
 * {@code developer} role is read as {@code system}, as OpenAI defines it.
 */
final class ChatMessages {
    private ChatMessages() {
    }

    static List<ChatMessage> read(JsonNode body) {
        ArrayNode array = Fields.optArray(body, "messages", "messages");
        if (array == null || array.isEmpty()) {
            throw ApiError.invalid("messages", "messages is required: an array of at least one"
                    + " {\"role\": ..., \"content\": ...} object");
        }
        List<ChatMessage> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(message(array.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    static List<JsonNode> tools(JsonNode body) {
        ArrayNode tools = Fields.optArray(body, "tools", "tools");
        JsonNode choice = Fields.get(body, "tool_choice");
        if (tools == null || choice != null && choice.isTextual() && "none".equals(choice.textValue())) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (!t.isObject()) {
                throw Fields.wrongType("tools[" + i + "]", "an object ({\"type\": \"function\", \"function\": {...}})", t);
            }
            out.add(t);
        }
        return out;
    }

    private static ChatMessage message(JsonNode m, String param) {
        if (!m.isObject()) {
            throw Fields.wrongType(param, "an object with role and content", m);
        }
        String roleName = Fields.optString(m, "role", param + ".role");
        if (roleName == null) {
            throw ApiError.invalid(param + ".role", param + ".role is required (system, user, assistant or tool)");
        }
        Role role;
        try {
            role = Role.fromWireName("developer".equals(roleName) ? "system" : roleName);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param + ".role", param + ".role: " + e.getMessage());
        }
        String content = content(Fields.get(m, "content"), param + ".content");
        List<ToolCall> calls = role == Role.ASSISTANT ? toolCalls(m, param) : List.of();
        String reasoning = role == Role.ASSISTANT ? Fields.optString(m, "reasoning_content",
                param + ".reasoning_content") : null;
        try {
            return new ChatMessage(role, content, reasoning, calls,
                    Fields.optString(m, "tool_call_id", param + ".tool_call_id"),
                    Fields.optString(m, "name", param + ".name"));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param, param + ": " + e.getMessage());
        }
    }

    private static String content(JsonNode c, String param) {
        if (c == null || c.isTextual()) {
            return c == null ? null : c.textValue();
        }
        if (!c.isArray()) {
            throw Fields.wrongType(param, "a string or an array of text parts", c);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            String p = param + "[" + i + "]";
            String type = part.isObject() ? Fields.optString(part, "type", p + ".type") : null;
            if (!"text".equals(type)) {
                throw ApiError.invalid(p, p + " must be a text part {\"type\": \"text\", \"text\": ...}; jLLM's models"
                        + " read text only" + (type == null ? "" : ", not " + type));
            }
            String t = Fields.optString(part, "text", p + ".text");
            text.append(t == null ? "" : t);
        }
        return text.toString();
    }

    private static List<ToolCall> toolCalls(JsonNode m, String param) {
        ArrayNode calls = Fields.optArray(m, "tool_calls", param + ".tool_calls");
        if (calls == null) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String p = param + ".tool_calls[" + i + "]";
            JsonNode call = calls.get(i);
            JsonNode function = call.isObject() ? Fields.get(call, "function") : null;
            if (function == null || !function.isObject()) {
                throw ApiError.invalid(p, p + " must be {\"id\": ..., \"type\": \"function\", \"function\":"
                        + " {\"name\": ..., \"arguments\": ...}}");
            }
            String name = Fields.optString(function, "name", p + ".function.name");
            JsonNode args = Fields.get(function, "arguments");
            if (args != null && !args.isTextual() && !args.isObject()) {
                throw Fields.wrongType(p + ".function.arguments", "a JSON string or object", args);
            }
            try {
                out.add(new ToolCall(Fields.optString(call, "id", p + ".id"), name,
                        args == null ? Json.object() : args));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid(p, p + ": " + e.getMessage());
            }
        }
        return out;
    }
}
