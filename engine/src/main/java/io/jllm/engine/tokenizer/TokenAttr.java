package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufTokenType;

/**
 * Token attribute bits as llama.cpp keeps them (llama.h {@code llama_token_attr}): the file's type
 * becomes one bit, and llama.cpp's name-based rules may add CONTROL or UNUSED to it.
 */
final class TokenAttr {
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;

    private TokenAttr() {
    }

    static int of(GgufTokenType type) {
        return switch (type) {
            case UNDEFINED -> 0;
            case NORMAL -> NORMAL;
            case UNKNOWN -> UNKNOWN;
            case CONTROL -> CONTROL;
            case USER_DEFINED -> USER_DEFINED;
            case UNUSED -> UNUSED;
            case BYTE -> BYTE;
        };
    }
}
