package io.jllm.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jllm.engine.TestModels;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.Kernels;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.models.synth.Ftype;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up runs prefill and multi-sequence decode shapes on whatever cache it gets,
 * gives every block back, and leaves no trace in what the forward pass computes afterwards.
 */
class ForwardWarmUpTest {
    @Test
    void warmUpReturnsEveryBlockAndLeavesLaterResultsUnchanged() throws Exception {
        for (int blocks : new int[] {4, 64}) {
            // 4 blocks of 16: the 64-token warm-up fits one sequence only; 64 blocks: all eight
            try (Qwen3Model model = Qwen3Model.open(TestModels.tiny(Ftype.Q4_K_M));
                    ComputePool pool = new ComputePool(2);
                    PagedKvCache cache = new PagedKvCache(model.config().layers(), model.config().kvHeads(),
                            model.config().headDim(), 16, blocks, KvType.F16)) {
                Qwen3Config c = model.config();
                Qwen3Forward forward = new Qwen3Forward(c, model.weights(), Kernels.byName("simd"), pool, cache, 64, 8);
                float[] before = lastLogits(forward, cache, c);
                forward.warmUp(300);
                assertEquals(0, cache.usedBlocks(), "blocks left in use after the warm-up (cache of " + blocks + ")");
                assertArrayEquals(before, lastLogits(forward, cache, c), "logits after the warm-up");
            }
        }
    }

    private static float[] lastLogits(Qwen3Forward forward, PagedKvCache cache, Qwen3Config c) {
        KvSequence seq = new KvSequence(cache);
        seq.reserve(5);
        ForwardBatch b = new ForwardBatch(5);
        for (int t = 0; t < 5; t++) {
            b.add(100 + 37 * t, t, seq, t == 4);
        }
        forward.forward(b);
        seq.release();
        return Arrays.copyOf(forward.logits(), c.vocabSize());
    }
}
