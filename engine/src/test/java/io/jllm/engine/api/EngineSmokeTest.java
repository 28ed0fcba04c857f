package io.jllm.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.sampling.SamplingParams;
import io.jllm.models.synth.Ftype;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EngineSmokeTest {
    @Test
    void generatesDeterministicNonDegenerateText() throws Exception {
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.Q4_K_M)).withThreads(2).withKernels("reference")
                .withKvCacheTokens(4096);
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
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
