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
import org.junit.jupiter.api.Test;

/**
 * Continuous batching must not change what a sequence computes: greedy outputs of 16 different
 * prompts are identical whether each runs alone or all run together, arriving one after another
 * while the others prefill and decode. The kernels give every (row, token) the same result at any
 * batch size and attention reads only the token's own sequence, so the tokens (and the logits
 * behind them) are identical, not just close.
 */
class BatchInvarianceTest {
    static final int PROMPTS = 16;
    static final int TOKENS = 12;

    @Test
    void greedyOutputsAreTheSameAloneAndBatched() throws Exception {
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2)
                .withKvCacheTokens(8192)
                // A small step budget mixes prefill chunks with decoding tokens in most steps.
                .withScheduling(16, 24, 64, false);
        List<int[]> prompts = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
            for (int i = 0; i < PROMPTS; i++) {
                StringBuilder text = new StringBuilder("Prompt number " + i + ":");
                for (int w = 0; w < 3 + 5 * i; w++) {
                    text.append(' ').append(WORDS[(i * 7 + w * 3) % WORDS.length]);
                }
                prompts.add(engine.tokenizer().encode(text.toString(), false));
            }
            List<int[]> alone = new ArrayList<>();
            for (int[] p : prompts) {
                Generation g = engine.submit(request(p));
                g.completion().join();
                alone.add(tokens(g));
            }
            // Staggered arrivals: each request is submitted once the previous one has produced a
            // token, so arrivals land mid-prefill and mid-decode of the others.
            List<Generation> together = new ArrayList<>();
            for (int[] p : prompts) {
                Generation g = engine.submit(request(p));
                together.add(g);
                g.awaitTokens(0, 60_000_000_000L);
            }
            for (int i = 0; i < PROMPTS; i++) {
                Generation g = together.get(i);
                g.completion().join();
                assertEquals(FinishReason.LENGTH, g.finishReason(), String.valueOf(g.error()));
                assertArrayEquals(alone.get(i), tokens(g), "prompt " + i + " differs when batched");
            }
            long distinct = alone.stream().map(java.util.Arrays::toString).distinct().count();
            assertTrue(distinct == PROMPTS, "prompts should give different outputs; got " + distinct + " distinct");
            assertTrue(engine.stats().steps() > 0);
        }
    }

    static GenerationRequest request(int[] prompt) {
        return new GenerationRequest(prompt, SamplingParams.greedy().toBuilder().maxTokens(TOKENS).ignoreEos(true).build());
    }

    static int[] tokens(Generation g) {
        int[] out = new int[g.tokenCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = g.token(i);
        }
        return out;
    }

    static final String[] WORDS = {"river", "stone", "light", "garden", "window", "silver", "morning", "engine",
        "paper", "forest", "music", "harbour", "winter", "letter", "bridge", "candle", "ocean", "market"};
}
