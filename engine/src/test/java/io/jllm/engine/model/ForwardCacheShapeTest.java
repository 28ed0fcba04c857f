package io.jllm.engine.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.Kernels;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.models.synth.Ftype;
import org.junit.jupiter.api.Test;

/**
 * The cache's layout depends on the model's KV heads and head size (each head's rows lie side by
 * side within a block), so a forward pass refuses a cache made for another shape instead of
 * reading the wrong rows, and says what each side holds.
 */
class ForwardCacheShapeTest {
    @Test
    void aCacheOfAnotherShapeIsRefusedWithBothShapesNamed() throws Exception {
        try (Qwen3Model model = Qwen3Model.open(TestModels.tiny(Ftype.Q4_K_M));
                ComputePool pool = new ComputePool(1)) {
            Qwen3Config c = model.config();
            int[][] shapes = {
                {c.layers(), c.kvHeads() * 2, c.headDim() / 2},
                {c.layers(), c.kvHeads(), c.headDim() * 2},
                {c.layers() + 1, c.kvHeads(), c.headDim()},
            };
            for (int[] shape : shapes) {
                try (PagedKvCache cache = new PagedKvCache(shape[0], shape[1], shape[2], 16, 4, KvType.F16)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> new Qwen3Forward(c, model.weights(), Kernels.byName("simd"), pool, cache, 16, 1));
                    assertTrue(e.getMessage().contains("the model needs " + c.layers() + " of " + c.kvHeads() + " of "
                            + c.headDim()), e.getMessage());
                }
            }
        }
    }
}
