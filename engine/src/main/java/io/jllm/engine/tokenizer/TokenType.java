package io.jllm.engine.tokenizer;

/** A token's type as GGUF's {@code tokenizer.ggml.token_type} stores it (llama.h {@code llama_token_type}). */
public enum TokenType {
    UNDEFINED(0),
    NORMAL(1),
    UNKNOWN(2),
    /** Markup the model reads but that text does not produce unless asked: {@code <|im_start|>}. */
    CONTROL(3),
    /** An added token matched in any text: {@code <think>}, {@code <tool_call>}. */
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int id;

    TokenType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /** The type with this id; ids GGUF does not define read as {@link #UNDEFINED}, as llama.cpp reads them. */
    public static TokenType byId(int id) {
        for (TokenType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return UNDEFINED;
    }
}
