package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;

/** Registry of the reference codecs. IMPLEMENTATION PENDING (quant helper). */
public final class Codecs {
    private Codecs() {
    }

    /** The codec for {@code type}, or null if jLLM has none. */
    public static QuantCodec forType(GgmlType type) {
        return null;
    }

    /** Names of the types that have codecs, for error messages. */
    public static String supported() {
        return "";
    }
}
