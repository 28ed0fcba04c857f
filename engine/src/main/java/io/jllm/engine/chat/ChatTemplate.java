package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Turns a conversation into the prompt text a model was trained on. Implementations are immutable. */
public interface ChatTemplate {

    /** A short name, e.g. "qwen3" or "chatml". */
    String name();

    /**
     * Renders a conversation.
     *
     * @param messages            the conversation, at least one message
     * @param tools               function definitions (JSON schema objects, usually OpenAI's
     *                            {@code {"type": "function", "function": {...}}}); empty if none
     * @param addGenerationPrompt whether to end with the opening of an assistant turn for the model to continue
     * @param enableThinking      false asks a reasoning model to answer without thinking (Qwen3's
     *                            {@code enable_thinking=false}); ignored by templates without reasoning
     * @throws IllegalArgumentException if the conversation is empty or uses something this template cannot express
     */
    String render(List<ChatMessage> messages, List<JsonNode> tools, boolean addGenerationPrompt,
            boolean enableThinking);

    /** Renders a conversation without tools, ending with a generation prompt, thinking left on. */
    default String render(List<ChatMessage> messages) {
        return render(messages, List.of(), true, true);
    }
}
