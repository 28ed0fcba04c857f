package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.quant.QuantTestData.Adversarial;
import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Q4_0BlockTest {
    private static final Q4_0Block CODEC = Q4_0Block.INSTANCE;

    /** d = 2 (fp16 0x4000); byte j = j | (15 - j) << 4, so element j = 2(j - 8) and element j + 16 = 2(7 - j). */
    @Test
    void decodesHandBuiltBlock() {
        int[] block = new int[18];
        block[1] = 0x40;
        for (int j = 0; j < 16; j++) {
            block[2 + j] = j | (15 - j) << 4;
        }
        float[] y = QuantTestData.dequantize(CODEC, QuantTestData.bytes(block));
        assertEquals(-16f, y[0]);
        assertEquals(14f, y[15]);
        assertEquals(14f, y[16]);
        assertEquals(-16f, y[31]);
        for (int j = 0; j < 16; j++) {
            assertEquals(2f * (j - 8), y[j], "element " + j);
            assertEquals(2f * (7 - j), y[j + 16], "element " + (j + 16));
        }
    }

    /** max = -8 gives d = 1; quants are trunc(x + 8.5) clamped to 15, i.e. round half up. */
    @Test
    void encodesHandWorkedBlock() {
        float[] x = new float[32];
        x[0] = -8f;   // 0
        x[1] = 7.4f;  // 15
        x[2] = 7.6f;  // 16 -> clamped 15
        x[3] = 0.5f;  // 9: the tie rounds up
        x[4] = -0.5f; // 8: ... also up
        x[5] = -0.6f; // 7
        x[6] = 1.5f;  // 10
        x[7] = -1.5f; // 7
        x[16] = -7.9f; // 0
        x[17] = 3f;   // 11
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0x3C00, QuantTestData.u16(bytes, Q4_0Block.OFFSET_D));
        int[] expected = {0x00, 0xBF, 0x8F, 0x89, 0x88, 0x87, 0x8A, 0x87, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
        for (int j = 0; j < 16; j++) {
            assertEquals(expected[j], QuantTestData.u8(bytes, Q4_0Block.OFFSET_QS + j), "byte " + j);
        }
    }

    @ParameterizedTest
    @EnumSource(Distribution.class)
    void roundTripWithinBound(Distribution distribution) {
        float[] x = QuantTestData.values(distribution, 128 * 32, distribution.ordinal());
        assertWithinBound(x, QuantTestData.roundTrip(CODEC, x));
    }

    @ParameterizedTest
    @EnumSource(Adversarial.class)
    void adversarialRoundTripWithinBound(Adversarial kind) {
        float[] x = QuantTestData.values(kind, 64 * 32, 32, kind.ordinal());
        assertWithinBound(x, QuantTestData.roundTrip(CODEC, x));
    }

    /**
     * Per block, with max the value of largest magnitude and |d| = |max| / 8: levels run from -8 (exactly max)
     * to +7, so values on max's side or within 7.5|d| on the other are within |d|/2 (= max|x|/16), and the
     * remaining opposite-side values (up to 8|d|, clamped to level 7) within |d| (= max|x|/8). Plus the fp16
     * rounding of d times at most 8 levels, plus a few float ulps.
     */
    private static void assertWithinBound(float[] x, float[] y) {
        QuantTestData.assertErrorsWithin(x, y, 32, (block, i) -> {
            float max = 0f;
            for (int k = 32 * block; k < 32 * block + 32; k++) {
                max = Math.abs(x[k]) > Math.abs(max) ? x[k] : max;
            }
            float d = Math.abs(max) / 8;
            boolean clampedSide = Math.signum(x[i]) == -Math.signum(max) && Math.abs(x[i]) > 7.5 * d;
            return (clampedSide ? d : d / 2) + 8 * Math.max(d * 0x1p-11, 0x1p-25) + Math.abs(max) * 0x1p-20;
        });
    }

    @Test
    void scaleOverflowDecodesToInfinityLikeGgml() {
        float[] x = new float[32];
        x[0] = -1e6f; // d = 1e6 / 8 > 65504
        float[] y = QuantTestData.roundTrip(CODEC, x);
        assertEquals(Float.NEGATIVE_INFINITY, y[0]);
        assertTrue(Float.isNaN(y[1]), "level 0 times infinity");
    }

    @Test
    void nonFiniteInputStaysInItsBlock() {
        QuantTestData.assertNonFiniteConfinedToItsBlocks(CODEC);
    }
}
