package io.jllm.models.hf;

/**
 * Token types as stored in {@code tokenizer.ggml.token_type}: the values of gguf-py's
 * {@code TokenType} (gguf-py/gguf/constants.py), which llama.cpp's {@code llama_token_attr} mapping
 * reads back (src/llama-vocab.cpp).
 */
public enum GgufTokenType {
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int id;

    GgufTokenType(int id) {
        this.id = id;
    }

    /** The INT32 value written to the file. */
    public int id() {
        return id;
    }

    /** The type with this id, or null if gguf-py defines none. */
    public static GgufTokenType byId(int id) {
        for (GgufTokenType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
