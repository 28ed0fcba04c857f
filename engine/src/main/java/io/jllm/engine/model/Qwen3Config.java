package io.jllm.engine.model;

import io.jllm.gguf.GgufMetadata;

/**
 * Hyperparameters of a Qwen3 model, read from GGUF metadata the way llama.cpp reads them
 * (src/llama-model.cpp: the generic keys plus the qwen3 graph's needs). Nothing here is hard-coded
 * to one model size.
 *
 * @param contextLength  trained context ({@code qwen3.context_length})
 * @param dim            embedding width
 * @param ffnDim         feed-forward hidden width
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention)
 * @param headDim        per-head width of queries and keys (= rotary dimensions)
 * @param vocabSize      rows of token_embd (the padded vocabulary)
 * @param rmsEps         RMSNorm epsilon
 * @param ropeBase       RoPE frequency base
 * @param ropeFreqScale  1/linear scaling factor (1 when the file names none)
 */
public record Qwen3Config(
        int contextLength,
        int dim,
        int ffnDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        float rmsEps,
        float ropeBase,
        float ropeFreqScale) {

    public static final String ARCHITECTURE = "qwen3";

    public Qwen3Config {
        require(dim > 0 && ffnDim > 0 && layers > 0 && heads > 0 && kvHeads > 0 && headDim > 0 && vocabSize > 0,
                "every size must be positive");
        require(heads % kvHeads == 0, "head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        require(headDim % 2 == 0, "key_length " + headDim + " must be even for RoPE");
        require(contextLength > 0, "context_length must be positive");
        require(rmsEps > 0 && Float.isFinite(rmsEps), "layer_norm_rms_epsilon must be a positive number");
        require(ropeBase > 0 && Float.isFinite(ropeBase), "rope.freq_base must be a positive number");
    }

    /** Width of all query heads together. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Reads the hyperparameters of a {@code general.architecture = qwen3} file. */
    public static Qwen3Config from(GgufMetadata m, int vocabRows) {
        String arch = m.string("general.architecture");
        if (!ARCHITECTURE.equals(arch)) {
            throw new ModelFormatException("general.architecture is '" + arch
                    + "'; jLLM runs Qwen3 models (architecture 'qwen3') only");
        }
        String p = ARCHITECTURE + ".";
        int dim = m.int32(p + "embedding_length");
        int heads = m.int32(p + "attention.head_count");
        int headDim = m.optInt32(p + "attention.key_length").orElse(dim / heads);
        int valueDim = m.optInt32(p + "attention.value_length").orElse(dim / heads);
        if (valueDim != headDim) {
            throw new ModelFormatException(p + "attention.value_length " + valueDim + " differs from key_length "
                    + headDim + "; Qwen3 uses one head width for both");
        }
        int rotary = m.optInt32(p + "rope.dimension_count").orElse(headDim);
        if (rotary != headDim) {
            throw new ModelFormatException(p + "rope.dimension_count " + rotary + " differs from key_length "
                    + headDim + "; Qwen3 rotates whole heads");
        }
        String scaling = m.optString(p + "rope.scaling.type").orElse("none");
        float freqScale = 1.0f;
        if (scaling.equals("linear")) {
            float factor = m.optFloat32(p + "rope.scaling.factor").orElse(0f);
            freqScale = factor == 0f ? 1.0f : 1.0f / factor;
        } else if (!scaling.equals("none")) {
            throw new ModelFormatException(p + "rope.scaling.type '" + scaling
                    + "' is not supported (jLLM supports none and linear); use a file without context extension");
        }
        try {
            return new Qwen3Config(
                    m.int32(p + "context_length"),
                    dim,
                    m.int32(p + "feed_forward_length"),
                    m.int32(p + "block_count"),
                    heads,
                    m.optInt32(p + "attention.head_count_kv").orElse(heads),
                    headDim,
                    vocabRows,
                    m.float32(p + "attention.layer_norm_rms_epsilon"),
                    m.optFloat32(p + "rope.freq_base").orElse(10000f),
                    freqScale);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new ModelFormatException("invalid Qwen3 hyperparameters: " + problem);
        }
    }
}
