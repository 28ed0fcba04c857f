package io.jllm.engine.model;

import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Test support: the logits after given prefix lengths of one token sequence, computed in one
 * forward pass (causal attention makes the logits at position L-1 those of the prefix of length L),
 * as llama.cpp computes a prompt.
 */
public final class PrefixLogits {
    private PrefixLogits() {
    }

    /** Row i holds the vocabulary's logits after the first {@code prefixes[i]} tokens (ascending, distinct). */
    public static float[][] compute(Path modelPath, KernelSet kernels, KvType kvType, int threads, int[] tokens,
            int[] prefixes) throws IOException {
        try (Qwen3Model model = Qwen3Model.open(modelPath);
                ComputePool pool = new ComputePool(threads);
                PagedKvCache cache = new PagedKvCache(model.config().layers(), model.config().kvHeads(),
                        model.config().headDim(), 16, (tokens.length + 15) / 16, kvType)) {
            Qwen3Config c = model.config();
            Qwen3Forward forward = new Qwen3Forward(c, model.weights(), kernels, pool, cache, tokens.length,
                    prefixes.length);
            KvSequence seq = new KvSequence(cache);
            if (!seq.reserve(tokens.length)) {
                throw new IllegalStateException("cache too small");
            }
            ForwardBatch batch = new ForwardBatch(tokens.length);
            boolean[] wanted = new boolean[tokens.length + 1];
            for (int p : prefixes) {
                wanted[p] = true;
            }
            int[] rowOf = new int[tokens.length + 1];
            for (int i = 0; i < tokens.length; i++) {
                rowOf[i + 1] = batch.add(tokens[i], i, seq, wanted[i + 1]);
            }
            forward.forward(batch);
            float[][] out = new float[prefixes.length][];
            for (int i = 0; i < prefixes.length; i++) {
                int row = rowOf[prefixes[i]];
                out[i] = Arrays.copyOfRange(forward.logits(), row * c.vocabSize(), (row + 1) * c.vocabSize());
            }
            return out;
        }
    }
}
