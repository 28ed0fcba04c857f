package io.jllm.models.synth;

/**
 * The tensors of a Qwen3 model, with their GGUF names (llama.cpp src/llama-arch.cpp) and shapes in
 * ggml order, row length first (src/models/qwen3.cpp {@code load_arch_tensors}).
 */
public enum TensorRole {
    TOKEN_EMBD("token_embd", false),
    OUTPUT_NORM("output_norm", false),
    OUTPUT("output", false),
    ATTN_NORM("attn_norm", true),
    ATTN_Q("attn_q", true),
    ATTN_K("attn_k", true),
    ATTN_V("attn_v", true),
    ATTN_OUTPUT("attn_output", true),
    ATTN_Q_NORM("attn_q_norm", true),
    ATTN_K_NORM("attn_k_norm", true),
    FFN_NORM("ffn_norm", true),
    FFN_GATE("ffn_gate", true),
    FFN_UP("ffn_up", true),
    FFN_DOWN("ffn_down", true);

    private final String stem;
    private final boolean perLayer;

    TensorRole(String stem, boolean perLayer) {
        this.stem = stem;
        this.perLayer = perLayer;
    }

    public boolean perLayer() {
        return perLayer;
    }

    /** e.g. {@code blk.3.attn_q.weight}, or {@code token_embd.weight}; layer is ignored for model-wide tensors. */
    public String tensorName(int layer) {
        return perLayer ? "blk." + layer + "." + stem + ".weight" : stem + ".weight";
    }

    /** Shape in ggml order: {@code [row length]} for vectors, {@code [row length, rows]} for matrices. */
    public long[] shape(ModelPreset p) {
        long d = p.embeddingLength();
        return switch (this) {
            case TOKEN_EMBD, OUTPUT -> new long[] {d, p.vocabSize()};
            case OUTPUT_NORM, ATTN_NORM, FFN_NORM -> new long[] {d};
            case ATTN_Q -> new long[] {d, p.queryWidth()};
            case ATTN_K, ATTN_V -> new long[] {d, p.keyValueWidth()};
            case ATTN_OUTPUT -> new long[] {p.queryWidth(), d};
            case ATTN_Q_NORM, ATTN_K_NORM -> new long[] {p.headDim()};
            case FFN_GATE, FFN_UP -> new long[] {d, p.feedForwardLength()};
            case FFN_DOWN -> new long[] {p.feedForwardLength(), d};
        };
    }

    public boolean isNorm() {
        return this == OUTPUT_NORM || this == ATTN_NORM || this == FFN_NORM || this == ATTN_Q_NORM
                || this == ATTN_K_NORM;
    }
}
