package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufMetadata;
import io.jllm.models.hf.Qwen3Tokenizer;

/** The real Qwen3 vocabulary, loaded once per test JVM (it takes about a second). */
final class Qwen3Tokenizers {
    private static volatile GgufMetadata metadata;
    private static volatile Tokenizer tokenizer;

    private Qwen3Tokenizers() {
    }

    static synchronized GgufMetadata metadata() {
        if (metadata == null) {
            metadata = new GgufMetadata("bundled Qwen3 tokenizer", Qwen3Tokenizer.bundledMetadata(Qwen3Tokenizer.QWEN3_VOCAB_SIZE));
        }
        return metadata;
    }

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = Tokenizer.fromMetadata(metadata());
        }
        return tokenizer;
    }
}
