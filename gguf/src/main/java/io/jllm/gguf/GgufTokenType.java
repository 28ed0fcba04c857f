package io.jllm.gguf;

/**
 * A token's type as {@code tokenizer.ggml.token_type} stores it: the values of gguf-py's
 * {@code TokenType} (gguf-py/gguf/constants.py), which llama.cpp reads back as
 * {@code llama_token_type} (src/llama-vocab.cpp). Written by converters, read by tokenizers.
 */
public enum GgufTokenType {
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

    GgufTokenType(int id) {
        this.id = id;
    }

    /** The INT32 value stored in the file. */
    public int id() {
        return id;
    }

    /** The type with this id; ids GGUF does not define read as {@link #UNDEFINED}, as llama.cpp reads them. */
    public static GgufTokenType byId(int id) {
        for (GgufTokenType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return UNDEFINED;
    }
}
