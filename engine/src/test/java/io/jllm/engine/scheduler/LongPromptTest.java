package io.jllm.engine.scheduler;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 5: a long prompt that arrives while sequences decode is prefilled in chunks under the step
 * token budget. Every step still carries each decoder's token, so the decoders keep their cadence
 * through the prefill instead of waiting for all of it. Counted in steps and tokens, not time: the
 * time budget is off here (each step is the token budget), so the count is the scheduler's rule
 * and not the machine's speed.
 */
class LongPromptTest {
    static final int DECODERS = 7;
    static final int STEP_TOKENS = 32;
    static final int LONG_PROMPT = 600;

    @Test
    void decodersMakeATokenInEveryStepOfALongPromptsChunkedPrefill() throws Exception {
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2)
                .withScheduling(DECODERS + 1, STEP_TOKENS, 16, false).withStepMillis(0);
        SplittableRandom random = new SplittableRandom(11);
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
            SamplingParams decode = SamplingParams.greedy().toBuilder().maxTokens(1_000).ignoreEos(true).build();
            List<Generation> decoders = new ArrayList<>();
            for (int i = 0; i < DECODERS; i++) {
                decoders.add(engine.submit(new GenerationRequest(random.ints(8, 0, 150_000).toArray(), decode)));
            }
            for (Generation g : decoders) {
                awaitTokens(g, 2);
            }
            long stepsBefore = engine.stats().steps();
            Generation big = engine.submit(new GenerationRequest(random.ints(LONG_PROMPT, 0, 150_000).toArray(),
                    SamplingParams.greedy().toBuilder().maxTokens(1).ignoreEos(true).build()));
            awaitTokens(big, 1);
            long submitted = big.submittedNanos();
            long first = big.tokenNanos(0);
            long steps = engine.stats().steps() - stepsBefore;
            // each step: 7 decode tokens, then 25 of the prompt's
            int chunk = STEP_TOKENS - DECODERS;
            int prefillSteps = (LONG_PROMPT + chunk - 1) / chunk;
            assertTrue(steps >= prefillSteps, "the prompt took " + steps + " steps; chunks of " + chunk
                    + " need at least " + prefillSteps);
            for (Generation g : decoders) {
                int during = 0;
                for (int i = 0; i < g.tokenCount(); i++) {
                    long t = g.tokenNanos(i);
                    if (t > submitted && t <= first) {
                        during++;
                    }
                }
                // the step that admits the prompt may start just before its submission is seen
                assertTrue(during >= prefillSteps - 1, "decoder " + g.id() + " made " + during
                        + " tokens while the prompt took " + prefillSteps + "+ steps");
                assertTrue(!g.isDone(), "decoder " + g.id() + " ended early: " + g.finishReason());
            }
            big.completion().join();
            assertEquals(FinishReason.LENGTH, big.finishReason(), String.valueOf(big.error()));
            for (Generation g : decoders) {
                g.cancel();
                g.completion().join();
            }
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    private static void awaitTokens(Generation g, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (g.tokenCount() < count) {
            assertTrue(!g.isDone(), "generation " + g.id() + " ended with " + g.tokenCount() + " tokens: "
                    + g.finishReason() + " " + g.error());
            assertTrue(System.nanoTime() < deadline, "generation " + g.id() + " made " + g.tokenCount() + " of "
                    + count + " tokens in 2 minutes");
            g.awaitTokens(g.tokenCount(), TimeUnit.SECONDS.toNanos(1));
        }
    }
}
