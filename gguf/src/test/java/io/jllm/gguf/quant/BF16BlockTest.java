package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * bf16 conversions, expected values worked out by hand; also checked outside the suite against ggml's
 * {@code ggml_compute_fp32_to_bf16} over all 2^32 inputs (identical).
 */
class BF16BlockTest {
    @Test
    void decodesLittleEndianTopHalves() {
        float[] y = QuantTestData.dequantize(BF16Block.INSTANCE,
                QuantTestData.bytes(0x80, 0x3F, 0x20, 0xC1, 0x81, 0x7F, 0x01, 0x00));
        assertEquals(1.0f, y[0]);
        assertEquals(-10.0f, y[1]);
        assertEquals(0x7F810000, Float.floatToRawIntBits(y[2]), "decoding is a shift: even a signalling NaN is kept");
        assertEquals(0x00010000, Float.floatToRawIntBits(y[3]), "subnormal");
    }

    @Test
    void encodesRoundingToNearestEven() {
        assertEquals(0x3F80, bits(1f + 0x1p-8f), "tie goes to even");
        assertEquals(0x3F82, bits(1f + 3 * 0x1p-8f), "tie goes to even (up)");
        assertEquals(0x3F81, bits(1f + 0x1p-8f + 0x1p-20f), "above the tie rounds up");
        assertEquals(0x7F80, bits(Float.MAX_VALUE), "largest float rounds up to infinity");
        assertEquals(0xFF80, bits(Float.NEGATIVE_INFINITY));
        assertEquals(0x0001, bits(Float.intBitsToFloat(0x00010000)), "subnormals are not flushed");
        assertEquals(0x8000, bits(-0f));
    }

    /** ggml truncates a NaN and sets bit 6 so it stays a NaN (a payload only in the low half would vanish). */
    @Test
    void encodesNaNTruncatedAndQuiet() {
        assertEquals(0x7FC0, bits(Float.intBitsToFloat(0x7F800001)));
        assertEquals(0xFFC0, bits(Float.intBitsToFloat(0xFF800001)));
        assertEquals(0x7FE5, bits(Float.intBitsToFloat(0x7FA5FFFF)), "truncated, not rounded");
    }

    /** Round-to-nearest with an 8-bit significand (7 stored): relative error at most half an ulp, 2^-8. */
    @Test
    void roundTripErrorWithinHalfAnUlp() {
        Random random = new Random(3);
        float[] x = new float[2048];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(60) - 30));
        }
        float[] y = QuantTestData.roundTrip(BF16Block.INSTANCE, x);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(x[i] - y[i]) <= Math.abs(x[i]) * 0x1p-8f, "element " + i + ": " + x[i] + " -> " + y[i]);
        }
    }

    private static int bits(float f) {
        return BF16Block.fromFloat(f) & 0xFFFF;
    }
}
