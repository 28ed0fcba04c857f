package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelPresetTest {
    @Test
    void qwen3SmallestHasTheRealHyperparameters() {
        ModelPreset p = ModelPreset.QWEN3_0_6B;
        assertEquals(28, p.blockCount());
        assertEquals(1024, p.embeddingLength());
        assertEquals(3072, p.feedForwardLength());
        assertEquals(16, p.headCount());
        assertEquals(8, p.headCountKv());
        assertEquals(128, p.headDim());
        assertEquals(2048, p.queryWidth()); // wider than the hidden size: Qwen3 fixes head_dim
        assertEquals(1024, p.keyValueWidth());
        assertEquals(40_960, p.contextLength());
        assertEquals(151_936, p.vocabSize());
        assertEquals(1e6f, p.ropeFreqBase());
        assertEquals(1e-6f, p.rmsNormEps());
        assertTrue(p.tiedEmbeddings());
        // Qwen3-0.6B's model card: 0.6B parameters, 0.44B of them outside the embedding
        assertEquals(596_049_920L, p.parameterCount());
        assertEquals(440_467_456L, p.parameterCount() - (long) p.vocabSize() * p.embeddingLength());
    }

    @Test
    void tinyKeepsTheVocabularyAndShrinksTheRest() {
        ModelPreset p = ModelPreset.TINY;
        assertEquals(2, p.blockCount());
        assertEquals(256, p.embeddingLength());
        assertEquals(768, p.feedForwardLength());
        assertEquals(4, p.headCount());
        assertEquals(2, p.headCountKv());
        assertEquals(64, p.headDim());
        assertEquals(151_936, p.vocabSize());
        assertEquals(40_470_016L, p.parameterCount());
    }

    @Test
    void presetsAreFoundByNameIgnoringCase() {
        assertSame(ModelPreset.QWEN3_0_6B, ModelPreset.byName("Qwen3-0.6B"));
        assertSame(ModelPreset.TINY, ModelPreset.byName(" tiny "));
    }

    @Test
    void anUnknownPresetNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPreset.byName("qwen3-8b"));
        assertEquals("unknown preset 'qwen3-8b'; valid presets: qwen3-0.6b, tiny", e.getMessage());
    }

    @Test
    void inconsistentShapesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelPreset("bad", "Bad",
                "1M", 2, 128, 64, 128, 3, 2, 16, 1e4f, 1e-6f, 1000, true));
        assertTrue(e.getMessage().contains("headCount 3 is not a multiple of headCountKv 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelPreset("bad", "Bad", "1M", 0, 128, 64, 128, 2, 2,
                16, 1e4f, 1e-6f, 1000, true));
    }

    @Test
    void ftypesCarryLlamaCppNumbers() {
        assertEquals(0, Ftype.F32.llamaFtype());
        assertEquals(1, Ftype.F16.llamaFtype());
        assertEquals(2, Ftype.Q4_0.llamaFtype());
        assertEquals(7, Ftype.Q8_0.llamaFtype());
        assertEquals(15, Ftype.Q4_K_M.llamaFtype());
        assertSame(Ftype.Q4_K_M, Ftype.parse("q4-k-m"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ftype.parse("Q5_K_M"));
        assertEquals("unknown ftype 'Q5_K_M'; valid ftypes: F32, F16, Q4_0, Q8_0, Q4_K_M", e.getMessage());
    }
}
