package io.jllm.gguf.quant;

import io.jllm.gguf.quant.QuantTestData.Adversarial;
import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The accuracy and robustness checks shared by the 256-element K-quant codecs; subclasses state the bounds. */
abstract class SuperBlockCodecTest {
    abstract QuantCodec codec();

    /** The relative RMSE a uniform quantizer with this type's grid would give {@code distribution} (derived in the subclass). */
    abstract double uniformQuantizerRmse(Distribution distribution);

    /** Checks each element decodes to the nearest level its stored scales allow, within the type's stated bound. */
    abstract void assertNearestLevelWithinBound(float[] x, MemorySegment bytes);

    @Test
    void zerosGiveAnAllZeroBlock() {
        QuantTestData.assertAllZero(QuantTestData.quantize(codec(), new float[512]));
    }

    /** The reference search should do no worse than uniform-quantizer noise; 10% allows for the scale rounding. */
    @ParameterizedTest
    @EnumSource(value = Distribution.class, names = {"GAUSSIAN", "UNIFORM"})
    void relativeRmseNearUniformQuantizerNoise(Distribution distribution) {
        QuantTestData.assertRelativeRmseAtMost(codec(), distribution, 1.1 * uniformQuantizerRmse(distribution));
    }

    @ParameterizedTest
    @EnumSource(Distribution.class)
    void roundTripWithinBound(Distribution distribution) {
        float[] x = QuantTestData.values(distribution, 64 * 256, 10 + distribution.ordinal());
        assertNearestLevelWithinBound(x, QuantTestData.quantize(codec(), x));
    }

    @ParameterizedTest
    @EnumSource(Adversarial.class)
    void adversarialRoundTripWithinBound(Adversarial kind) {
        float[] x = QuantTestData.values(kind, 16 * 256, 256, kind.ordinal());
        assertNearestLevelWithinBound(x, QuantTestData.quantize(codec(), x));
    }

    @Test
    void nonFiniteInputStaysInItsBlock() {
        QuantTestData.assertNonFiniteConfinedToItsBlocks(codec());
    }
}
