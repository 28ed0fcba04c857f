package io.jllm.models.synth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The tensors of a synthetic Qwen3 file, with their types, in the order llama-quantize writes them.
 *
 * <p>llama-quantize emits tensors in the order of its loader's weight map (llama.cpp
 * src/llama-model-loader.h {@code weight_name_comparer}): model-wide tensors first, then layer by
 * layer, and by name within each group. Real Qwen3 GGUFs (which come out of llama-quantize) have this
 * order, e.g. output_norm, token_embd, blk.0.attn_k, blk.0.attn_k_norm, blk.0.attn_norm, ...
 */
public final class TensorPlan {
    private TensorPlan() {
    }

    public static List<PlannedTensor> of(ModelPreset preset, Ftype ftype) {
        boolean hasOutput = !preset.tiedEmbeddings();
        List<PlannedTensor> plan = new ArrayList<>();
        for (TensorRole role : TensorRole.values()) {
            if (role == TensorRole.OUTPUT && !hasOutput) {
                continue;
            }
            int layers = role.perLayer() ? preset.blockCount() : 1;
            for (int layer = 0; layer < layers; layer++) {
                int l = role.perLayer() ? layer : -1;
                long[] shape = role.shape(preset);
                plan.add(new PlannedTensor(role.tensorName(l), role, l, shape,
                        QuantMix.typeFor(ftype, role, shape, l, preset.blockCount(), hasOutput)));
            }
        }
        plan.sort(Comparator.comparingInt(PlannedTensor::layer).thenComparing(PlannedTensor::name));
        return List.copyOf(plan);
    }
}
