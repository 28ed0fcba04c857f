package io.jllm.engine.chat;

import java.util.List;

/**
 * One message of a conversation. Text only.
 *
 * @param role             who wrote it
 * @param content          its text; null is accepted for assistant messages (OpenAI sends null next to tool
 *                         calls) and stored as ""
 * @param reasoningContent an assistant's thinking, kept apart from {@code content}; null if none (the template
 *                         then looks for a {@code <think>} block in the content). Assistant messages only.
 * @param toolCalls        the assistant's function calls; never null (empty if none). Assistant messages only.
 * @param toolCallId       for a tool message, the id of the call it answers; may be null
 * @param name             an optional author or tool name; may be null
 */
public record ChatMessage(
        Role role,
        String content,
        String reasoningContent,
        List<ToolCall> toolCalls,
        String toolCallId,
        String name) {

    public ChatMessage {
        if (role == null) {
            throw new IllegalArgumentException("message role must not be null");
        }
        if (content == null) {
            if (role != Role.ASSISTANT) {
                throw new IllegalArgumentException("the content of a " + role.wireName()
                        + " message must not be null (only assistant messages may omit it)");
            }
            content = "";
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (role != Role.ASSISTANT && !toolCalls.isEmpty()) {
            throw new IllegalArgumentException("only assistant messages may have tool calls, not " + role.wireName());
        }
        if (role != Role.ASSISTANT && reasoningContent != null) {
            throw new IllegalArgumentException(
                    "only assistant messages may have reasoning content, not " + role.wireName());
        }
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content, null, List.of(), null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content, null, List.of(), null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content, null, List.of(), null, null);
    }

    public static ChatMessage assistant(String content, String reasoningContent, List<ToolCall> toolCalls) {
        return new ChatMessage(Role.ASSISTANT, content, reasoningContent, toolCalls, null, null);
    }

    public static ChatMessage tool(String content, String toolCallId) {
        return new ChatMessage(Role.TOOL, content, null, List.of(), toolCallId, null);
    }
}
