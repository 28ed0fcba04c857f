package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class F32BlockTest {
    @Test
    void decodesLittleEndianBinary32() {
        float[] y = QuantTestData.dequantize(F32Block.INSTANCE,
                QuantTestData.bytes(0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC1, 0x01, 0x00, 0xA0, 0x7F));
        assertEquals(1.0f, y[0]);
        assertEquals(-10.0f, y[1]);
        assertEquals(0x7FA00001, Float.floatToRawIntBits(y[2]), "NaN payload kept");
    }

    /** Storage is a plain copy, so every bit pattern (NaN payloads, -0, subnormals) survives exactly. */
    @Test
    void roundTripKeepsEveryBit() {
        Random random = new Random(1);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(random.nextInt());
        }
        x[0] = -0f;
        x[1] = Float.MIN_VALUE;
        MemorySegment bytes = QuantTestData.quantize(F32Block.INSTANCE, x);
        float[] y = QuantTestData.dequantize(F32Block.INSTANCE, bytes);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), "element " + i);
        }
    }
}
