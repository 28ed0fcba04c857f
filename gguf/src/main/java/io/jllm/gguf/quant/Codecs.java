package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;

/** Registry of the reference codecs: one shared, stateless instance per supported ggml type. */
public final class Codecs {
    private Codecs() {
    }

    /** The codec for {@code type}, or null if jLLM has none (or {@code type} is null). */
    public static QuantCodec forType(GgmlType type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case F32 -> F32Block.INSTANCE;
            case F16 -> F16Block.INSTANCE;
            case BF16 -> BF16Block.INSTANCE;
            case Q8_0 -> Q8_0Block.INSTANCE;
            case Q4_0 -> Q4_0Block.INSTANCE;
            case Q4_K -> Q4KBlock.INSTANCE;
            case Q6_K -> Q6KBlock.INSTANCE;
            case Q8_K -> Q8KBlock.INSTANCE;
            default -> null;
        };
    }

    /** Names of the types that have codecs, for error messages. */
    public static String supported() {
        StringBuilder names = new StringBuilder();
        for (GgmlType type : GgmlType.values()) {
            if (forType(type) != null) {
                names.append(names.isEmpty() ? "" : ", ").append(type);
            }
        }
        return names.toString();
    }
}
