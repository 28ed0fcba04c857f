package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * fp16 conversions. Expected values are IEEE binary16 facts worked out by hand; the class as a whole was also
 * checked outside the test suite against ggml's C conversions over all 2^32 float inputs and all 2^16 fp16
 * inputs (identical).
 */
class F16BlockTest {
    @Test
    void decodesLittleEndianHalves() {
        float[] y = QuantTestData.dequantize(F16Block.INSTANCE, QuantTestData.bytes(
                0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80, 0x00, 0x7C, 0x00, 0x04, 0x55, 0x35));
        assertEquals(1.0f, y[0]);
        assertEquals(-2.0f, y[1]);
        assertEquals(65504f, y[2], "largest finite fp16");
        assertEquals(0x1p-24f, y[3], "smallest subnormal");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[4]));
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(0x1p-14f, y[6], "smallest normal");
        assertEquals(0x1.554p-2f, y[7]); // 0x3555: exponent 13 - 15 = -2, mantissa 0x155 / 1024
    }

    /** ggml's decoder goes through a float multiply, which quiets a signalling NaN but keeps its payload. */
    @Test
    void decodesNaNAsQuietNaNWithPayload() {
        assertEquals(0x7FC02000, Float.floatToRawIntBits(F16Block.toFloat((short) 0x7C01)));
        assertEquals(0xFFC00000, Float.floatToRawIntBits(F16Block.toFloat((short) 0xFE00)));
        assertEquals(0x7FC02000, Float.floatToRawIntBits(F16Block.toFloat((short) 0x7E01)));
    }

    @Test
    void encodesRoundingToNearestEven() {
        assertEquals(0x3C00, bits(1f + 0x1p-11f), "tie between 1 and 1+2^-10 goes to even 1");
        assertEquals(0x3C02, bits(1f + 3 * 0x1p-11f), "tie goes to the even mantissa 2");
        assertEquals(0x3C01, bits(1f + 0x1p-11f + 0x1p-20f), "just above the tie rounds up");
        assertEquals(0x7BFF, bits(65519.99f), "just under the overflow threshold rounds to 65504");
        assertEquals(0x7C00, bits(65520f), "65520 is the tie with 65536 and rounds to infinity");
        assertEquals(0xFC00, bits(-1e10f));
        assertEquals(0x0000, bits(0x1p-25f), "half the smallest subnormal ties to zero");
        assertEquals(0x0001, bits(0x1.000002p-25f), "just above it rounds to the smallest subnormal");
        assertEquals(0x8000, bits(-0x1p-30f), "underflow keeps the sign");
        assertEquals(0x0003, bits(3 * 0x1p-24f), "subnormals are exact");
        assertEquals(0x7C00, bits(Float.POSITIVE_INFINITY));
    }

    /** ggml turns every NaN into the canonical quiet NaN 0x7E00, keeping only the sign. */
    @Test
    void encodesNaNAsCanonicalQuietNaN() {
        assertEquals(0x7E00, bits(Float.NaN));
        assertEquals(0x7E00, bits(Float.intBitsToFloat(0x7F800001)));
        assertEquals(0xFE00, bits(Float.intBitsToFloat(0xFFA5A5A5)));
    }

    @Test
    void everyNonNaNHalfSurvivesDecodeAndEncode() {
        for (int h = 0; h < 0x10000; h++) {
            boolean nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
            int expected = nan ? (h & 0x8000) | 0x7E00 : h;
            assertEquals(expected, bits(F16Block.toFloat((short) h)), "fp16 0x" + Integer.toHexString(h));
        }
    }

    /** Round-to-nearest in binary16: relative error at most 2^-11 for normal values (|x| >= 2^-14). */
    @Test
    void roundTripErrorWithinHalfAnUlp() {
        Random random = new Random(2);
        float[] x = new float[2048];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(26) - 13));
        }
        MemorySegment bytes = QuantTestData.quantize(F16Block.INSTANCE, x);
        float[] y = QuantTestData.dequantize(F16Block.INSTANCE, bytes);
        for (int i = 0; i < x.length; i++) {
            float bound = Math.abs(x[i]) >= 0x1p-14f ? Math.abs(x[i]) * 0x1p-11f : 0x1p-25f;
            assertTrue(Math.abs(x[i] - y[i]) <= bound, "element " + i + ": " + x[i] + " -> " + y[i]);
        }
    }

    private static int bits(float f) {
        return F16Block.fromFloat(f) & 0xFFFF;
    }
}
