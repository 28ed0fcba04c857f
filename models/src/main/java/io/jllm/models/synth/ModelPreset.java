package io.jllm.models.synth;

import java.util.List;
import java.util.Locale;

/**
 * A Qwen3 model's shape: every hyperparameter written to the file's metadata and used for its tensor
 * shapes comes from here.
 *
 * @param name              the preset's CLI name
 * @param displayName       {@code general.name} stem
 * @param sizeLabel         {@code general.size_label}
 * @param blockCount        transformer layers
 * @param contextLength     trained context ({@code max_position_embeddings})
 * @param embeddingLength   hidden size
 * @param feedForwardLength FFN inner size
 * @param headCount         query heads
 * @param headCountKv       key/value heads (grouped-query attention)
 * @param headDim           per-head size; Qwen3 sets it explicitly, so q is {@code headCount * headDim}
 *                          wide whatever the hidden size
 * @param ropeFreqBase      RoPE theta
 * @param rmsNormEps        RMSNorm epsilon
 * @param vocabSize         token embeddings (the tokenizer's ids padded)
 * @param tiedEmbeddings    true when the output projection reuses token_embd (no output.weight)
 */
public record ModelPreset(String name, String displayName, String sizeLabel, int blockCount, int contextLength,
                          int embeddingLength, int feedForwardLength, int headCount, int headCountKv, int headDim,
                          float ropeFreqBase, float rmsNormEps, int vocabSize, boolean tiedEmbeddings) {

    /** Qwen/Qwen3-0.6B's config.json. */
    public static final ModelPreset QWEN3_0_6B = new ModelPreset("qwen3-0.6b", "Qwen3 0.6B", "0.6B",
            28, 40_960, 1024, 3072, 16, 8, 128, 1_000_000f, 1e-6f, 151_936, true);

    /** A two-layer Qwen3 for fast tests: same tokenizer and vocabulary, everything else small. */
    public static final ModelPreset TINY = new ModelPreset("tiny", "Qwen3 tiny", "40M",
            2, 4096, 256, 768, 4, 2, 64, 1_000_000f, 1e-6f, 151_936, true);

    private static final List<ModelPreset> ALL = List.of(QWEN3_0_6B, TINY);

    public ModelPreset {
        requirePositive("blockCount", blockCount);
        requirePositive("contextLength", contextLength);
        requirePositive("embeddingLength", embeddingLength);
        requirePositive("feedForwardLength", feedForwardLength);
        requirePositive("headCount", headCount);
        requirePositive("headCountKv", headCountKv);
        requirePositive("headDim", headDim);
        requirePositive("vocabSize", vocabSize);
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException("preset " + name + ": headCount " + headCount
                    + " is not a multiple of headCountKv " + headCountKv);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("preset " + name + ": headDim " + headDim + " must be even for RoPE");
        }
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("preset field " + field + " must be positive, got " + value);
        }
    }

    public static List<ModelPreset> all() {
        return ALL;
    }

    /** The preset with this name (case-insensitive); the error lists the valid names. */
    public static ModelPreset byName(String name) {
        for (ModelPreset p : ALL) {
            if (p.name.equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "'; valid presets: " + names());
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(ModelPreset::name).toList());
    }

    /** Width of the query projection's output (and attn_output's input). */
    public int queryWidth() {
        return headCount * headDim;
    }

    /** Width of the key and value projections' outputs. */
    public int keyValueWidth() {
        return headCountKv * headDim;
    }

    /** Parameters of every tensor the model has (token_embd counted once when tied). */
    public long parameterCount() {
        long perLayer = 2L * embeddingLength + 2L * headDim
                + (long) embeddingLength * queryWidth() * 2
                + (long) embeddingLength * keyValueWidth() * 2
                + 3L * embeddingLength * feedForwardLength;
        long embeddings = (long) vocabSize * embeddingLength * (tiedEmbeddings ? 1 : 2);
        return embeddings + embeddingLength + blockCount * perLayer;
    }

    /** One line for humans, e.g. in {@code synth --help}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %d layers, width %d, FFN %d, %d heads (%d KV) x %d, context %d, vocab %d%s",
                name, blockCount, embeddingLength, feedForwardLength, headCount, headCountKv, headDim, contextLength,
                vocabSize, tiedEmbeddings ? ", tied embeddings" : "");
    }
}
