package io.jllm.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void defaultsAreLlamaServers() {
        SamplingParams p = SamplingParams.defaults();
        assertEquals(0.8f, p.temperature());
        assertEquals(40, p.topK());
        assertEquals(0.95f, p.topP());
        assertEquals(0.05f, p.minP());
        assertEquals(1f, p.repetitionPenalty());
        assertEquals(0f, p.frequencyPenalty());
        assertEquals(0f, p.presencePenalty());
        assertEquals(64, p.penaltyLastN());
        assertEquals(SamplingParams.RANDOM_SEED, p.seed());
        assertEquals(-1, p.maxTokens());
        assertEquals(List.of(), p.stop());
        assertFalse(p.ignoreEos());
        assertFalse(p.isGreedy());
        assertFalse(p.penalizes());
        assertTrue(SamplingParams.greedy().isGreedy());
    }

    @Test
    void toBuilderRoundTrips() {
        SamplingParams p = SamplingParams.builder().temperature(0.3f).topK(7).topP(0.5f).minP(0.1f)
                .repetitionPenalty(1.2f).frequencyPenalty(0.4f).presencePenalty(-0.5f).penaltyLastN(-1).seed(9)
                .maxTokens(100).stop(List.of("a", "b")).ignoreEos(true).build();
        assertEquals(p, p.toBuilder().build());
        assertTrue(p.penalizes());
        assertFalse(p.toBuilder().penaltyLastN(0).build().penalizes());
    }

    @Test
    void stopListIsCopied() {
        List<String> stops = new ArrayList<>(List.of("x"));
        SamplingParams p = SamplingParams.builder().stop(stops).build();
        stops.add("y");
        assertEquals(List.of("x"), p.stop());
        assertThrows(UnsupportedOperationException.class, () -> p.stop().add("z"));
    }

    @Test
    void eachInvalidFieldIsNamedWithItsRange() {
        assertInvalid(b -> b.temperature(-0.1f), "temperature must be a finite number >= 0");
        assertInvalid(b -> b.temperature(Float.NaN), "temperature");
        assertInvalid(b -> b.temperature(Float.POSITIVE_INFINITY), "temperature");
        assertInvalid(b -> b.topK(-2), "topK must be >= -1");
        assertInvalid(b -> b.topP(1.01f), "topP must be in [0, 1]");
        assertInvalid(b -> b.topP(Float.NaN), "topP");
        assertInvalid(b -> b.minP(-0.01f), "minP must be in [0, 1]");
        assertInvalid(b -> b.repetitionPenalty(0f), "repetitionPenalty must be a finite number > 0");
        assertInvalid(b -> b.frequencyPenalty(2.5f), "frequencyPenalty must be in [-2, 2]");
        assertInvalid(b -> b.presencePenalty(-3f), "presencePenalty must be in [-2, 2]");
        assertInvalid(b -> b.penaltyLastN(-2), "penaltyLastN must be >= -1");
        assertInvalid(b -> b.maxTokens(-5), "maxTokens must be >= -1");
        assertInvalid(b -> b.stop(null), "stop must be a list");
        assertInvalid(b -> b.stop(List.of("ok", "")), "stop[1] must be a non-empty string");
    }

    private static void assertInvalid(UnaryOperator<SamplingParams.Builder> change, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.apply(SamplingParams.builder()).build());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
