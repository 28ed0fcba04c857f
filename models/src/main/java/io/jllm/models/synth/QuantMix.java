package io.jllm.models.synth;

import io.jllm.gguf.GgmlType;

/**
 * Which ggml type each Qwen3 tensor gets for an ftype: the decisions llama-quantize makes
 * (llama.cpp src/llama-quant.cpp: {@code tensor_allows_quantization}, {@code llama_tensor_get_type_impl},
 * {@code tensor_type_fallback}), restricted to the ftypes and tensors jLLM writes, without an
 * importance matrix or user overrides.
 *
 * <p>The rules that fire for Qwen3:
 * <ol>
 *   <li>Vectors (the norms) are never quantized: they stay F32, as the converter wrote them.
 *   <li>F32 and F16 files: every matrix has the ftype's type; no other rule applies.
 *   <li>output.weight, or token_embd when there is no output.weight (tied embeddings, where it is
 *       also the output projection): Q8_0 if its rows are not whole blocks of the ftype's type,
 *       otherwise Q6_K unless the ftype's type is Q8_0 (so Q4_0 and Q4_K_M files get a Q6_K
 *       token_embd, Q8_0 files keep Q8_0).
 *   <li>Q4_K_M only: attn_v and ffn_down are Q6_K on the layers {@link #useMoreBits} picks (the first
 *       and last eighth, and every third layer between), Q4_K elsewhere.
 *   <li>Any quantized choice whose block does not divide the row length falls back: Q4_K to Q5_0,
 *       Q6_K to Q8_0, and to F16 if even a 32-element block does not fit.
 * </ol>
 */
public final class QuantMix {
    private QuantMix() {
    }

    /**
     * @param ftype           the file type
     * @param role            the tensor
     * @param shape           its shape, ggml order
     * @param layer           its layer (ignored for model-wide tensors); llama-quantize counts attn_v
     *                        and ffn_down tensors in file order, which for one tensor per layer is
     *                        the layer index
     * @param layerCount      the model's layers
     * @param hasOutputTensor whether the model has a separate output.weight
     */
    public static GgmlType typeFor(Ftype ftype, TensorRole role, long[] shape, int layer, int layerCount,
                                   boolean hasOutputTensor) {
        if (shape.length < 2 || role.isNorm()) {
            return GgmlType.F32;
        }
        GgmlType type = ftype.defaultType();
        if (!type.isQuantized()) {
            return type;
        }
        long rowLength = shape[0];
        if (role == TensorRole.OUTPUT || (role == TensorRole.TOKEN_EMBD && !hasOutputTensor)) {
            if (rowLength % type.blockSize() != 0) {
                type = GgmlType.Q8_0;
            } else if (type != GgmlType.Q8_0) {
                type = GgmlType.Q6_K;
            }
        } else if ((role == TensorRole.ATTN_V || role == TensorRole.FFN_DOWN) && ftype == Ftype.Q4_K_M
                && useMoreBits(layer, layerCount)) {
            type = GgmlType.Q6_K;
        }
        return fallback(type, rowLength);
    }

    /** llama-quant's {@code use_more_bits}: the first and last eighth of the layers and every third between. */
    public static boolean useMoreBits(int layer, int layerCount) {
        return layer < layerCount / 8 || layer >= 7 * layerCount / 8 || (layer - layerCount / 8) % 3 == 2;
    }

    /** {@code tensor_type_fallback} for the types the rules above can produce. */
    static GgmlType fallback(GgmlType type, long rowLength) {
        if (rowLength % type.blockSize() == 0) {
            return type;
        }
        GgmlType smaller = switch (type) {
            case Q4_K -> GgmlType.Q5_0;
            case Q6_K -> GgmlType.Q8_0;
            default -> type;
        };
        return rowLength % smaller.blockSize() == 0 ? smaller : GgmlType.F16;
    }
}
