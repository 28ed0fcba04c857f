package io.jllm.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * The warm-up's report tells the truth about the passes after it: where it says settled, a pass
     * of a shape it ran allocates (all threads) less than the settled bound, as its last round did;
     * where it says not, its time ran out and it reports what its last round allocated. (A JVM
     * that compiles a kernel into its Java fallbacks never settles, so the test takes either
     * outcome, but not a false one.) With the reference kernels, which allocate per call, it stops at its least time
     * instead of waiting for the most.
     */
    @Test
    void warmUpSaysWhetherTheKernelsStoppedAllocating() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (Qwen3Model model = Qwen3Model.open(TestModels.tiny(Ftype.Q4_K_M));
                ComputePool pool = new ComputePool(2);
                PagedKvCache cache = new PagedKvCache(model.config().layers(), model.config().kvHeads(),
                        model.config().headDim(), 16, 64, KvType.F16)) {
            Qwen3Config c = model.config();
            Qwen3Forward simd = new Qwen3Forward(c, model.weights(), Kernels.byName("simd"), pool, cache, 64, 8);
            Qwen3Forward.WarmUp w = simd.warmUp(200, 15_000);
            System.out.println("warm-up of the tiny model: " + w);
            assertTrue(w.millis() >= 200, "stopped before its least time: " + w);
            if (w.settled()) {
                assertEquals(0, w.passes() % Qwen3Forward.ROUND_PASSES, "settled inside a round: " + w);
                assertTrue(w.lastRoundBytes() >= 0 && w.lastRoundBytes() < Qwen3Forward.SETTLED_BYTES, w.toString());
                KvSequence seq = new KvSequence(cache);
                seq.reserve(13);
                ForwardBatch b = new ForwardBatch(13);
                for (int t = 0; t < 13; t++) {
                    b.add(100 + 37 * t, t, seq, t == 12);
                }
                long before = threads.getTotalThreadAllocatedBytes();
                simd.forward(b);
                long allocated = threads.getTotalThreadAllocatedBytes() - before;
                seq.release();
                assertTrue(allocated < Qwen3Forward.SETTLED_BYTES, "a 13-token pass after a settled warm-up "
                        + "allocated " + allocated + " bytes: " + w);
            } else {
                // not settled: only because time ran out (the round it ended in may be cut short)
                assertTrue(w.millis() >= 15_000 && w.lastRoundBytes() >= 0, w.toString());
            }

            Qwen3Forward reference = new Qwen3Forward(c, model.weights(), Kernels.byName("reference"), pool, cache,
                    64, 8);
            Qwen3Forward.WarmUp r = reference.warmUp(100, 60_000);
            assertTrue(r.millis() >= 100 && r.millis() < 30_000 && !r.settled() && r.lastRoundBytes() == -1,
                    "the reference kernels' warm-up: " + r);
            assertEquals(0, cache.usedBlocks(), "blocks left in use after the warm-ups");
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
