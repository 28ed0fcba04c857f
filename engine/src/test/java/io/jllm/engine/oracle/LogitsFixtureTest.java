package io.jllm.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.TestModels;
import io.jllm.engine.kernel.Kernels;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.model.PrefixLogits;
import io.jllm.models.synth.Ftype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed llama.cpp fixture against jLLM on the tiny F32 model, without node: the 50 largest
 * logits and 2,000 spread-out ones per prompt and prefix, within {@link
 * LlamaCppLogitsOracleTest#F32_TOLERANCE} (F32 KV cache on both sides, see there).
 */
class LogitsFixtureTest {
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void tinyF32MatchesTheLlamaCppFixture(String kernels) throws Exception {
        LogitsFixture fixture = LogitsFixture.load();
        Path model = TestModels.tiny(Ftype.F32);
        assertEquals(fixture.modelSha256(), LogitsFixture.sha256(model),
                "the synthetic tiny model changed since the fixture was made; regenerate it with: " + fixture.command());
        Map<String, List<LogitsFixture.Entry>> byPrompt = new LinkedHashMap<>();
        for (LogitsFixture.Entry e : fixture.entries()) {
            byPrompt.computeIfAbsent(e.prompt(), k -> new ArrayList<>()).add(e);
        }
        float worst = 0;
        for (List<LogitsFixture.Entry> entries : byPrompt.values()) {
            LogitsFixture.Entry longest = entries.get(entries.size() - 1);
            int[] prefixes = entries.stream().mapToInt(LogitsFixture.Entry::prefix).toArray();
            float[][] ours = PrefixLogits.compute(model, Kernels.byName(kernels), KvType.F32, 2, longest.ids(), prefixes);
            for (int i = 0; i < entries.size(); i++) {
                LogitsFixture.Entry e = entries.get(i);
                for (int j = 0; j < e.topIds().length; j++) {
                    worst = Math.max(worst, Math.abs(ours[i][e.topIds()[j]] - e.topLogits()[j]));
                }
                for (int j = 0; j < fixture.sampleIds().length; j++) {
                    worst = Math.max(worst, Math.abs(ours[i][fixture.sampleIds()[j]] - e.sampleLogits()[j]));
                }
                assertEquals(e.topIds()[0], argmax(ours[i]), e.prompt() + " prefix " + e.prefix() + ": top-1 differs");
            }
        }
        assertTrue(worst <= LlamaCppLogitsOracleTest.F32_TOLERANCE, "max |diff| " + worst);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
