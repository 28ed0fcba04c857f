package io.jllm.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.sampling.SamplingParams;
import io.jllm.models.synth.Ftype;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * When the KV cache runs out mid-generation the newest sequence is preempted (its blocks freed)
 * and later recomputed from its prompt and the tokens it had made. Recomputing must lose nothing:
 * every sequence ends with exactly the tokens it makes alone, and no request fails.
 */
class PreemptionTest {
    @Test
    void preemptedSequencesFinishWithTheSameTokensAsAlone() throws Exception {
        // 12 blocks of 16 tokens; four sequences of 20 + 60 tokens need 5 blocks each at the end.
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2)
                .withKvCacheTokens(12 * 16).withScheduling(4, 64, 16, false);
        SamplingParams params = SamplingParams.greedy().toBuilder().maxTokens(60).ignoreEos(true).build();
        SplittableRandom random = new SplittableRandom(7);
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
            List<int[]> prompts = new ArrayList<>();
            List<int[]> alone = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                prompts.add(random.ints(20, 0, 150_000).toArray());
                Generation g = engine.submit(new GenerationRequest(prompts.get(i), params));
                g.completion().join();
                alone.add(BatchInvarianceTest.tokens(g));
            }
            assertEquals(0, engine.stats().preemptions(), "one sequence alone fits");
            List<Generation> together = new ArrayList<>();
            for (int[] p : prompts) {
                together.add(engine.submit(new GenerationRequest(p, params)));
            }
            for (int i = 0; i < 4; i++) {
                Generation g = together.get(i);
                g.completion().join();
                assertEquals(FinishReason.LENGTH, g.finishReason(), String.valueOf(g.error()));
                assertArrayEquals(alone.get(i), BatchInvarianceTest.tokens(g), "sequence " + i + " changed");
            }
            assertTrue(engine.stats().preemptions() > 0, "four sequences cannot fit: expected preemptions");
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }
}
