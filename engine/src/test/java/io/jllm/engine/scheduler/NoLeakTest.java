package io.jllm.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.api.RejectedException;
import io.jllm.engine.sampling.SamplingParams;
import io.jllm.models.synth.Ftype;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 1,000 requests with random prompt and output lengths, random cancellations (before start,
 * mid-prefill, mid-decode) and a KV cache too small for everyone at once (so sequences are
 * preempted and recomputed) must leave every KV block free, nothing running and the queue empty.
 */
class NoLeakTest {
    @Test
    void withPrefixCaching() throws Exception {
        thousandRandomRequestsLeaveNothingBehind(true);
    }

    /** The same without the prefix cache; slow-tagged since the default run covers the scheduler once. */
    @Test
    @Tag("slow")
    void withoutPrefixCaching() throws Exception {
        thousandRandomRequestsLeaveNothingBehind(false);
    }

    private void thousandRandomRequestsLeaveNothingBehind(boolean prefixCaching) throws Exception {
        // 20 blocks of 16 tokens for up to 12 sequences of up to 88 tokens: admission and growth
        // both run out of blocks, and the one in five that generates 20-40 tokens gets preempted.
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2)
                .withKvCacheTokens(20 * 16).withScheduling(12, 64, 2000, prefixCaching);
        SplittableRandom random = new SplittableRandom(prefixCaching ? 1 : 2);
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
            int vocab = 151_000;
            int[] shared = random.ints(32, 0, vocab).toArray();
            List<Generation> all = new ArrayList<>();
            List<CompletableFuture<Void>> cancellers = new ArrayList<>();
            int rejected = 0;
            // Pressure first: twelve 40-token prompts generating 40 tokens each need 6 blocks apiece
            // by their end, 72 in all, from a pool of 20: growth must preempt some of them.
            for (int i = 0; i < 12; i++) {
                all.add(engine.submit(new GenerationRequest(random.ints(40, 0, vocab).toArray(),
                        SamplingParams.greedy().toBuilder().maxTokens(40).ignoreEos(true).build())));
            }
            for (int i = 12; i < 1000; i++) {
                int length = 1 + random.nextInt(48);
                int[] prompt = random.ints(length, 0, vocab).toArray();
                if (i % 3 == 0) {
                    // A third share a 32-token prefix, for the prefix cache.
                    System.arraycopy(shared, 0, prompt, 0, Math.min(32, length));
                }
                SamplingParams params = SamplingParams.builder().temperature(random.nextInt(2) == 0 ? 0f : 0.9f)
                        .seed(i).maxTokens(i % 5 == 0 ? 20 + random.nextInt(21) : 1 + random.nextInt(12)).ignoreEos(random.nextBoolean()).build();
                Generation g;
                try {
                    g = engine.submit(new GenerationRequest(prompt, params));
                } catch (RejectedException e) {
                    rejected++;
                    continue;
                }
                all.add(g);
                int mode = random.nextInt(4);
                if (mode == 0) {
                    g.cancel();
                } else if (mode == 1) {
                    int after = random.nextInt(4);
                    cancellers.add(CompletableFuture.runAsync(() -> {
                        try {
                            g.awaitTokens(after, TimeUnit.SECONDS.toNanos(60));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        g.cancel();
                    }));
                }
            }
            CompletableFuture.allOf(cancellers.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            int cancelled = 0;
            for (Generation g : all) {
                Generation done = g.completion().get(5, TimeUnit.MINUTES);
                assertNotNull(done.finishReason());
                assertTrue(done.finishReason() != FinishReason.ERROR, "request failed: " + done.error());
                if (done.finishReason() == FinishReason.CANCELLED) {
                    cancelled++;
                }
            }
            SchedulerStats s = engine.stats();
            assertEquals(0, rejected, "the queue of 2000 should take all 1000 requests");
            assertEquals(0, s.running());
            assertEquals(0, s.waiting());
            assertEquals(all.size(), s.finished());
            assertEquals(0, s.kvBlocksUsed() - engine.cachedPrefixBlocks(),
                    "blocks held by nothing but the prefix cache are free to reuse; any other is a leak");
            if (!prefixCaching) {
                assertEquals(0, engine.cachedPrefixBlocks());
            }
            assertTrue(s.preemptions() > 0, "the cache was meant to be too small: expected preemptions");
            assertTrue(cancelled > 100, "expected many cancellations, got " + cancelled);
            System.out.printf("prefix caching %s: %d finished, %d cancelled, %d preemptions, %d prefix-hit tokens, %d steps%n",
                    prefixCaching, s.finished(), cancelled, s.preemptions(), s.prefixHitTokens(), s.steps());
        }
    }
}
