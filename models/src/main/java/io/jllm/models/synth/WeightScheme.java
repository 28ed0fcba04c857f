package io.jllm.models.synth;

/**
 * The random distribution of each tensor, chosen so the random model behaves like a language model
 * numerically: finite activations through every layer, logits of a plausible size, and greedy output
 * that depends on the whole prompt instead of repeating one token.
 *
 * <p>Reasoning (d = embedding width, RMSNorm makes every sublayer's input rms about 1):
 * <ul>
 *   <li>token_embd ~ N(0, 4/sqrt(d)). With tied embeddings the logits are token_embd rows dotted
 *       with the normalised final state (rms 1), so their spread across the vocabulary is about 4:
 *       a top token with probability around 0.1-0.9, like a trained model's.
 *   <li>Projections into a sublayer (q, k, v, gate, up) ~ N(0, 1/sqrt(fan_in)): outputs of rms 1.
 *   <li>q_norm, k_norm ~ 1.4 +- 0.1: attention scores of std about 2, so attention is selective and
 *       the output depends on which earlier tokens are there and where (RoPE).
 *   <li>ffn_down of layer 0 ~ N(0, 2e/(0.6 sqrt(fan_in))), e the embedding scale (0.6 is the rms
 *       of silu(a) * b for unit normals a, b): the first layer adds twice as much as the token's own
 *       embedding, so the layers, not the input token, decide the final state (no echo).
 *   <li>Every later sublayer is scaled down by sqrt(layers): attn_output ~ N(0, 0.53e/(sqrt(L)
 *       sqrt(fan_in))), ffn_down ~ N(0, 0.16e/(0.6 sqrt(L) sqrt(fan_in))). The residual stream then
 *       stays about the same size at any depth, and no layer can undo what the first ones wrote.
 *       Scheme v1 gave every sublayer twice the embedding scale; at 28 layers that network was
 *       chaotic: one ulp added to every other matmul output moved the final logits by 1.3-1.8, so
 *       no comparison with llama.cpp could be tighter than that. With these gains the same nudge
 *       moves them by at most 0.134 (full-size Q4_K_M, the oracle prompts), while greedy output
 *       stays varied (10 prompts x 32 tokens: 30-32 distinct tokens each, never a repeat, every
 *       prompt its own continuation; median top-1 probability 0.15). The constants were tuned by
 *       that measurement, not derived.
 *   <li>attn_norm, ffn_norm ~ 1 +- 0.1. output_norm has magnitude 1 +- 0.1 but a random sign per
 *       element: with tied embeddings, a positive output_norm lets the current token's own embedding
 *       (still part of the residual stream) score itself highest, and greedy decoding then repeats
 *       the last token forever. Random signs make that self-score average zero.
 * </ul>
 * Checked with llama.cpp (node-llama-cpp 3.22.1): greedy continuations of distinct prompts differ
 * from the first token, and changing only the first prompt token changes them too.
 */
public final class WeightScheme {
    /** Bumped whenever a distribution changes, so cached files and checksums are not mistaken for current. */
    public static final String VERSION = "qwen3-random-v2";

    static final double EMBEDDING_LOGIT_SPREAD = 4.0;
    /** Layer 0's FFN output, in embedding scales. */
    static final double FIRST_FFN_GAIN = 2.0;
    /** Every layer's attention output, in embedding scales, times sqrt(layers). */
    static final double ATTENTION_GAIN = 0.53;
    /** The FFN output of layers after the first, in embedding scales, times sqrt(layers). */
    static final double FFN_GAIN = 0.16;
    static final double SILU_PRODUCT_RMS = 0.6;
    static final double NORM_SPREAD = 0.1;
    static final double QK_NORM_MEAN = 1.4;

    private WeightScheme() {
    }

    /**
     * A tensor's distribution: each element is {@code sign * (mean + std * z)} for a standard normal z,
     * with sign +1, or a random +-1 when {@code randomSign}.
     */
    public record Distribution(double mean, double std, boolean randomSign) {
    }

    /** The distribution of tensor {@code role} in {@code layer} (-1 for model-wide tensors). */
    public static Distribution of(TensorRole role, int layer, ModelPreset p) {
        double embeddingStd = EMBEDDING_LOGIT_SPREAD / Math.sqrt(p.embeddingLength());
        double depth = Math.sqrt(p.blockCount());
        return switch (role) {
            case TOKEN_EMBD, OUTPUT -> new Distribution(0, embeddingStd, false);
            case OUTPUT_NORM -> new Distribution(1, NORM_SPREAD, true);
            case ATTN_NORM, FFN_NORM -> new Distribution(1, NORM_SPREAD, false);
            case ATTN_Q_NORM, ATTN_K_NORM -> new Distribution(QK_NORM_MEAN, NORM_SPREAD, false);
            case ATTN_Q, ATTN_K, ATTN_V, FFN_GATE, FFN_UP -> new Distribution(0, 1 / Math.sqrt(fanIn(role, p)), false);
            case ATTN_OUTPUT -> new Distribution(0, ATTENTION_GAIN / depth * embeddingStd / Math.sqrt(fanIn(role, p)),
                    false);
            case FFN_DOWN -> new Distribution(0, (layer == 0 ? FIRST_FFN_GAIN : FFN_GAIN / depth) * embeddingStd
                    / (SILU_PRODUCT_RMS * Math.sqrt(fanIn(role, p))), false);
        };
    }

    private static long fanIn(TensorRole role, ModelPreset p) {
        return role.shape(p)[0];
    }
}
