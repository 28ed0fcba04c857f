package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Plain ChatML ({@code chatml.jinja} next to this class, llama.cpp's "chatml"): every message as
 * {@code <|im_start|>role\ncontent<|im_end|>\n}, then {@code <|im_start|>assistant\n} as generation prompt.
 * It has no way to express tools or tool calls, so those are rejected; reasoning content is left out, as the
 * template does with any field but role and content.
 */
public final class ChatMlTemplate implements ChatTemplate {

    @Override
    public String name() {
        return "chatml";
    }

    @Override
    public String render(List<ChatMessage> messages, List<JsonNode> tools, boolean addGenerationPrompt,
            boolean enableThinking) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        if (tools != null && !tools.isEmpty()) {
            throw new IllegalArgumentException("the plain ChatML template cannot express tools; "
                    + "use a model whose chat template supports them (e.g. Qwen3)");
        }
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            if (!m.toolCalls().isEmpty()) {
                throw new IllegalArgumentException("the plain ChatML template cannot express assistant tool calls");
            }
            out.append("<|im_start|>").append(m.role().wireName()).append('\n').append(m.content())
                    .append("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
        }
        return out.toString();
    }
}
