package io.jllm.engine.chat;

/** A model's chat template is not one jLLM can render; the message says what it looked like and what to do. */
public final class UnsupportedChatTemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedChatTemplateException(String message) {
        super(message);
    }
}
