package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.quant.QuantTestData.Adversarial;
import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Q8KBlockTest {
    private static final Q8KBlock CODEC = Q8KBlock.INSTANCE;

    /** d = 0.25 as float32 (bytes 00 00 80 3E), quants j - 128; the sums are not read by decoding. */
    @Test
    void decodesHandBuiltBlock() {
        int[] block = new int[292];
        block[2] = 0x80;
        block[3] = 0x3E;
        for (int j = 0; j < 256; j++) {
            block[4 + j] = j - 128;
        }
        for (int k = 260; k < 292; k++) {
            block[k] = 0xEE;
        }
        float[] y = QuantTestData.dequantize(CODEC, QuantTestData.bytes(block));
        for (int j = 0; j < 256; j++) {
            assertEquals(0.25f * (j - 128), y[j], "element " + j);
        }
    }

    /**
     * The largest magnitude, -127, maps to -127 (d = 1, float32); the rest round half to even (ggml's
     * nearest_int); each int16 sum adds 16 quants.
     */
    @Test
    void encodesHandWorkedBlock() {
        float[] x = new float[256];
        x[0] = -127f;
        x[1] = 2.5f;   // 2
        x[2] = 3.5f;   // 4
        x[3] = -2.5f;  // -2
        x[4] = 126.6f; // 127
        x[5] = -0.5f;  // 0
        x[16] = 100f;
        x[17] = 27f;
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(1.0f, bytes.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), Q8KBlock.OFFSET_D));
        int[] expected = {-127, 2, 4, -2, 127, 0};
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], bytes.get(ValueLayout.JAVA_BYTE, Q8KBlock.OFFSET_QS + j), "quant " + j);
        }
        assertEquals(4, QuantTestData.u16(bytes, Q8KBlock.OFFSET_BSUMS), "-127 + 2 + 4 - 2 + 127 + 0");
        assertEquals(127, QuantTestData.u16(bytes, Q8KBlock.OFFSET_BSUMS + 2));
        for (int g = 2; g < 16; g++) {
            assertEquals(0, QuantTestData.u16(bytes, Q8KBlock.OFFSET_BSUMS + 2 * g));
        }
    }

    /** The sums are what dot products subtract with: they must equal the quants' group sums, negative ones too. */
    @Test
    void blockSumsMatchQuants() {
        float[] x = QuantTestData.values(Distribution.OUTLIERS, 32 * 256, 5);
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        for (int b = 0; b < 32; b++) {
            long base = 292L * b;
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += bytes.get(ValueLayout.JAVA_BYTE, base + Q8KBlock.OFFSET_QS + 16 * g + i);
                }
                assertEquals((short) sum, bytes.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        base + Q8KBlock.OFFSET_BSUMS + 2 * g), "block " + b + " group " + g);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Distribution.class)
    void roundTripWithinHalfAStep(Distribution distribution) {
        float[] x = QuantTestData.values(distribution, 16 * 256, distribution.ordinal());
        assertWithinBound(x, QuantTestData.roundTrip(CODEC, x));
    }

    @ParameterizedTest
    @EnumSource(Adversarial.class)
    void adversarialRoundTripWithinHalfAStep(Adversarial kind) {
        float[] x = QuantTestData.values(kind, 16 * 256, 256, kind.ordinal());
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertWithinBound(x, QuantTestData.dequantize(CODEC, bytes));
        if (kind == Adversarial.ZEROS) {
            QuantTestData.assertAllZero(bytes);
        }
    }

    /** d = max|x| / 127 is stored as float32, so the only error is rounding to the nearest level (d/2) plus ulps. */
    private static void assertWithinBound(float[] x, float[] y) {
        QuantTestData.assertErrorsWithin(x, y, 256, (block, i) -> {
            float amax = QuantTestData.maxAbs(x, 256 * block, 256);
            return amax / 254 + amax * 0x1p-20;
        });
    }

    @Test
    void nonFiniteInputStaysInItsBlock() {
        QuantTestData.assertNonFiniteConfinedToItsBlocks(CODEC);
    }
}
