package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.quant.QuantTestData.Adversarial;
import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class Q8_0BlockTest {
    private static final Q8_0Block CODEC = Q8_0Block.INSTANCE;

    /** d = 0.5 (fp16 0x3800), quants -128, -120, ..., 120: element j is 0.5 * (8j - 128). */
    @Test
    void decodesHandBuiltBlock() {
        int[] block = new int[34];
        block[0] = 0x00;
        block[1] = 0x38;
        for (int j = 0; j < 32; j++) {
            block[2 + j] = 8 * j - 128;
        }
        float[] y = QuantTestData.dequantize(CODEC, QuantTestData.bytes(block));
        for (int j = 0; j < 32; j++) {
            assertEquals(4f * j - 64f, y[j], "element " + j);
        }
    }

    /** max |x| = 127 gives d = 1, so quants are x rounded half away from zero (C's roundf). */
    @Test
    void encodesHandWorkedBlock() {
        float[] x = new float[32];
        x[0] = -127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = 1.49f;
        x[6] = 126.5f;
        x[7] = 0.49999997f; // the largest float below 0.5: rounds to 0, where floor(x + 0.5f) would give 1
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0x3C00, QuantTestData.u16(bytes, Q8_0Block.OFFSET_D));
        int[] expected = {0x81, 0x03, 0xFD, 0x01, 0xFF, 0x01, 0x7F, 0x00};
        for (int j = 0; j < 32; j++) {
            assertEquals(j < expected.length ? expected[j] : 0, QuantTestData.u8(bytes, Q8_0Block.OFFSET_QS + j), "quant " + j);
        }
    }

    @ParameterizedTest
    @EnumSource(Distribution.class)
    void roundTripWithinHalfAStep(Distribution distribution) {
        float[] x = QuantTestData.values(distribution, 128 * 32, distribution.ordinal());
        assertWithinBound(x, QuantTestData.roundTrip(CODEC, x));
    }

    @ParameterizedTest
    @EnumSource(Adversarial.class)
    void adversarialRoundTripWithinHalfAStep(Adversarial kind) {
        float[] x = QuantTestData.values(kind, 64 * 32, 32, kind.ordinal());
        float[] y = QuantTestData.roundTrip(CODEC, x);
        assertWithinBound(x, y);
        if (kind == Adversarial.ZEROS) {
            assertTrue(Arrays.equals(new float[x.length], y), "zeros decode to exact zeros, no NaN from 0/0");
        }
    }

    /**
     * Per block, with d = max|x| / 127: quants are x/d rounded, so at most d/2 off; storing d as fp16 moves
     * level q by at most 127 * max(d * 2^-11, 2^-25) (relative rounding for normal fp16, half the smallest
     * subnormal below that); float arithmetic adds a few ulps of max|x|.
     */
    private static void assertWithinBound(float[] x, float[] y) {
        QuantTestData.assertErrorsWithin(x, y, 32, (block, i) -> {
            float amax = QuantTestData.maxAbs(x, 32 * block, 32);
            float d = amax / 127;
            return d / 2 + 127 * Math.max(d * 0x1p-11, 0x1p-25) + amax * 0x1p-20;
        });
    }

    /** fp16 d overflows above max|x| = 127 * 65504, as in ggml: the block then decodes to infinities. */
    @Test
    void scaleOverflowDecodesToInfinityLikeGgml() {
        float[] x = new float[32];
        x[0] = 1e7f;
        x[1] = -5e6f;
        float[] y = QuantTestData.roundTrip(CODEC, x);
        assertEquals(Float.POSITIVE_INFINITY, y[0]);
        assertEquals(Float.NEGATIVE_INFINITY, y[1]);
        assertTrue(Float.isNaN(y[2]), "0 * infinity");
    }

    /** NaN never throws; ggml's running max restarts after it, so values after a leading NaN still quantize. */
    @Test
    void nanInputIsConfinedToItsElement() {
        float[] x = new float[32];
        Arrays.fill(x, 1f);
        x[0] = Float.NaN;
        x[5] = -2f;
        float[] y = QuantTestData.roundTrip(CODEC, x);
        assertEquals(0f, y[0], "NaN quantizes to 0");
        assertEquals(-2f, y[5], 2f / 254 + 1e-3f);
        assertEquals(1f, y[6], 2f / 254 + 1e-3f);
    }

    @Test
    void nonFiniteInputStaysInItsBlock() {
        QuantTestData.assertNonFiniteConfinedToItsBlocks(CODEC);
    }
}
