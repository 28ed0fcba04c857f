package io.jllm.models.hf;

import java.io.IOException;

/**
 * A Hugging Face tokenizer file that cannot be converted: malformed JSON, a missing or mistyped field,
 * or a tokenizer kind jLLM does not convert. The message names the file and the field.
 */
public class TokenizerFormatException extends IOException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
