package io.jllm.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.sampling.LogitBias;
import io.jllm.engine.sampling.SamplingParams;
import io.jllm.models.synth.Ftype;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineSmokeTest {
    @Test
    void generatesDeterministicNonDegenerateText() throws Exception {
        try (InferenceEngine engine = openTiny()) {
            int[] a = generate(engine, "The quick brown fox", 16);
            int[] b = generate(engine, "The quick brown fox", 16);
            int[] c = generate(engine, "Once upon a time", 16);
            System.out.println(Arrays.toString(a) + " " + engine.tokenizer().decode(a));
            System.out.println(Arrays.toString(c) + " " + engine.tokenizer().decode(c));
            assertEquals(16, a.length);
            assertTrue(Arrays.equals(a, b), "greedy decoding must be deterministic");
            assertNotEquals(Arrays.toString(a), Arrays.toString(c));
            assertTrue(Arrays.stream(a).distinct().count() > 4, "degenerate output: " + Arrays.toString(a));
        }
    }

    @Test
    void aLogitBiasReachesTheSamplerAndABadOneIsRefusedAtSubmit() throws Exception {
        try (InferenceEngine engine = openTiny()) {
            int[] plain = generate(engine, "The quick brown fox", 4);
            int[] ids = engine.tokenizer().encode("The quick brown fox", false);
            SamplingParams ban = SamplingParams.greedy().toBuilder().maxTokens(4).ignoreEos(true)
                    .logitBias(LogitBias.of(Map.of(plain[0], Float.NEGATIVE_INFINITY))).build();
            Generation g = engine.submit(new GenerationRequest(ids, ban));
            g.completion().join();
            assertEquals(4, g.tokenCount());
            for (int i = 0; i < 4; i++) {
                assertNotEquals(plain[0], g.token(i), "banned token " + plain[0] + " generated at " + i);
            }
            SamplingParams outside = SamplingParams.greedy().toBuilder()
                    .logitBias(LogitBias.of(Map.of(1 << 30, 1f))).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(new GenerationRequest(ids, outside)));
            assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
            assertArrayEquals(plain, generate(engine, "The quick brown fox", 4), "the engine serves on, unchanged");
        }
    }

    @Test
    void aPromptTokenOutsideTheVocabularyIsRefusedAtSubmitAndHarmsNoOneElse() throws Exception {
        try (InferenceEngine engine = openTiny()) {
            int[] ids = engine.tokenizer().encode("Once upon a time", false);
            SamplingParams params = SamplingParams.greedy().toBuilder().maxTokens(12).ignoreEos(true).build();
            Generation running = engine.submit(new GenerationRequest(ids, params));
            running.awaitTokens(1, java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
            int[] bad = ids.clone();
            bad[1] = Integer.MAX_VALUE;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(new GenerationRequest(bad, params)));
            assertTrue(e.getMessage().contains("prompt token 1"), e.getMessage());
            bad[1] = -1;
            assertThrows(IllegalArgumentException.class, () -> engine.submit(new GenerationRequest(bad, params)));
            running.completion().join();
            assertEquals(FinishReason.LENGTH, running.finishReason(), String.valueOf(running.error()));
            assertEquals(12, running.tokenCount());
        }
    }

    /** The tiny Q4_K_M model on the reference kernels. */
    private static InferenceEngine openTiny() throws Exception {
        return InferenceEngine.open(EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2)
                .withKernels("reference").withKvCacheTokens(4096));
    }

    static int[] generate(InferenceEngine engine, String prompt, int n) throws InterruptedException {
        int[] ids = engine.tokenizer().encode(prompt, false);
        Generation g = engine.submit(new GenerationRequest(ids,
                SamplingParams.greedy().toBuilder().maxTokens(n).ignoreEos(true).build()));
        g.completion().join();
        int[] out = new int[g.tokenCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = g.token(i);
        }
        assertEquals(FinishReason.LENGTH, g.finishReason(), String.valueOf(g.error()));
        return out;
    }
}
