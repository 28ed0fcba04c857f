package io.jllm.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jllm.engine.TestModels;
import io.jllm.engine.sampling.SamplingParams;
import io.jllm.models.synth.Ftype;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    @Test
    void aTokenLimitPerCallReadsOneTokenAtATimeAndTheSameText() throws Exception {
        EngineConfig cfg = EngineConfig.defaults(TestModels.tiny(Ftype.F32)).withThreads(2).withKvCacheTokens(1024);
        try (InferenceEngine engine = InferenceEngine.open(cfg)) {
            int[] prompt = engine.tokenizer().encode("Once upon a time", false);
            Generation g = engine.submit(new GenerationRequest(prompt,
                    SamplingParams.greedy().toBuilder().maxTokens(12).ignoreEos(true).build()));
            g.completion().join();
            String whole = new TextStream(g, engine.tokenizer(), List.of()).readAll();

            TextStream stream = new TextStream(g, engine.tokenizer(), List.of());
            StringBuilder pieces = new StringBuilder();
            for (int i = 1; i <= 12; i++) {
                pieces.append(stream.next(1, TimeUnit.SECONDS, 1));
                assertEquals(i, stream.tokensRead(), "one token per call");
            }
            String rest;
            while ((rest = stream.next(1, TimeUnit.SECONDS, 1)) != null) {
                pieces.append(rest);
            }
            assertEquals(whole, pieces.toString());
            assertEquals(FinishReason.LENGTH, stream.finishReason());
            assertNull(stream.next(1, TimeUnit.SECONDS, 1));
            assertThrows(IllegalArgumentException.class, () -> new TextStream(g, engine.tokenizer(), List.of())
                    .next(1, TimeUnit.SECONDS, 0));
        }
    }
}
