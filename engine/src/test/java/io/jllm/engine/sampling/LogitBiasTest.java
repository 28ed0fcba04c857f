package io.jllm.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogitBiasTest {
    private static LogitBias bias(Object... tokenBias) {
        Map<Integer, Float> m = new HashMap<>();
        for (int i = 0; i < tokenBias.length; i += 2) {
            m.put((Integer) tokenBias[i], (Float) tokenBias[i + 1]);
        }
        return LogitBias.of(m);
    }

    private static SamplingParams greedy(LogitBias b) {
        return SamplingParams.builder().temperature(0f).logitBias(b).build();
    }

    @Test
    void aBiasChangesTheGreedyChoiceAndTheLogitsComeBackUnchanged() {
        float[] logits = {0.5f, 3f, 2.5f, -1f};
        float[] before = logits.clone();
        assertEquals(1, new Sampler(greedy(LogitBias.NONE), 4).sample(logits, 0, 4));
        assertEquals(2, new Sampler(greedy(bias(2, 0.75f)), 4).sample(logits, 0, 4));
        assertEquals(3, new Sampler(greedy(bias(3, 5f, 1, -1f)), 4).sample(logits, 0, 4));
        assertArrayEquals(before, logits, "the caller's logits hold their values again");
    }

    @Test
    void minusInfinityBansATokenFromEveryDraw() {
        LogitBias ban = bias(1, Float.NEGATIVE_INFINITY);
        float[] logits = {0f, 10f, 0f, 0f};
        assertEquals(0, new Sampler(greedy(ban), 4).sample(logits, 0, 4), "the next best, lowest id on ties");
        Sampler hot = new Sampler(SamplingParams.builder().seed(7).temperature(1f).noFilters().logitBias(ban).build(), 4);
        int[] seen = new int[4];
        for (int i = 0; i < 2000; i++) {
            seen[hot.sample(logits, 0, 4)]++;
        }
        // without the ban token 1 would take all but ~3 in 10^4 of the draws
        assertEquals(0, seen[1], Arrays.toString(seen));
        assertTrue(seen[0] > 0 && seen[2] > 0 && seen[3] > 0, Arrays.toString(seen));
        Sampler filtered = new Sampler(SamplingParams.builder().seed(7).temperature(1f).topK(2).logitBias(ban).build(),
                4);
        for (int token : filtered.survivors(logits, 0)) {
            assertFalse(token == 1, "banned token among the survivors");
        }
    }

    @Test
    void theBiasComesBeforeThePenaltiesAsInLlamaCpp() {
        // token 0 was seen; repeat penalty 2. Bias first: (1 + 1) / 2 = 1.0 < 1.2, so token 1 wins.
        // (Penalty first would give 1 / 2 + 1 = 1.5 and pick token 0.)
        SamplingParams p = SamplingParams.builder().temperature(0f).repetitionPenalty(2f).penaltyLastN(8)
                .logitBias(bias(0, 1f)).build();
        Sampler s = new Sampler(p, 3);
        s.accept(0);
        float[] logits = {1f, 1.2f, 0f};
        assertEquals(1, s.sample(logits, 0, 3));
        assertArrayEquals(new float[] {1f, 1.2f, 0f}, logits);
    }

    @Test
    void badBiasesAreRefusedWithTheirToken() {
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> bias(5, Float.NaN));
        assertTrue(nan.getMessage().contains("token 5"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bias(5, Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> bias(-1, 1f));
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> new Sampler(greedy(bias(4, 1f)), 4));
        assertTrue(outside.getMessage().contains("token 4"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().logitBias(null).build());
    }

    @Test
    void valuesAreKeptByToken() {
        LogitBias b = bias(9, 2f, 3, -1.5f);
        assertEquals(2, b.size());
        assertEquals(9, b.maxToken());
        assertEquals(-1.5f, b.of(3));
        assertEquals(0f, b.of(4));
        assertEquals(b, bias(3, -1.5f, 9, 2f));
        assertEquals(-1, LogitBias.NONE.maxToken());
        assertTrue(LogitBias.of(Map.of()).isEmpty());
    }
}
