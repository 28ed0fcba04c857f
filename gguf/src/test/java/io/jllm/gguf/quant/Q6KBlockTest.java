package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class Q6KBlockTest extends SuperBlockCodecTest {
    private static final Q6KBlock CODEC = Q6KBlock.INSTANCE;
    private static final int[] SCALES = {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 127, -128};

    @Override
    QuantCodec codec() {
        return CODEC;
    }

    /**
     * d = 0.25 (0x3400), the scales above, all quants 0 (level -32) except a few set by hand:
     * ql[0] = 0x21, ql[32] = 0x43, qh[0] = 0b11_10_01_00 give elements 0, 32, 64, 96 the 6-bit quants
     * 1, 3 | 1 << 4, 2 | 2 << 4, 4 | 3 << 4; in the second half ql[64 + 5] = 0xF0 and qh[32 + 5] = 0xC0 give
     * element 128 + 64 + 5 quant 15 and element 128 + 96 + 5 quant 3 << 4.
     */
    @Test
    void decodesHandBuiltBlock() {
        int[] block = new int[210];
        block[0] = 0x21;
        block[32] = 0x43;
        block[128] = 0xE4;
        block[64 + 5] = 0xF0;
        block[128 + 32 + 5] = 0xC0;
        for (int j = 0; j < 16; j++) {
            block[192 + j] = SCALES[j];
        }
        block[209] = 0x34;
        float[] y = QuantTestData.dequantize(CODEC, QuantTestData.bytes(block));
        assertEquals(-7.75f, y[0], "q 1 - 32 = -31, scale 1");
        assertEquals(-6.5f, y[32], "q 19 - 32 = -13, sub-block 2, scale 2");
        assertEquals(1.5f, y[64], "q 34 - 32 = 2, sub-block 4, scale 3");
        assertEquals(20f, y[96], "q 52 - 32 = 20, sub-block 6, scale 4");
        assertEquals(-40f, y[133], "q 0, sub-block 8, scale 5");
        assertEquals(-29.75f, y[197], "q 15 - 32 = -17, sub-block 12, scale 7");
        assertEquals(508f, y[229], "q 48 - 32 = 16, sub-block 14, scale 127");
        assertEquals(1024f, y[255], "q 0, sub-block 15, scale -128");
        assertEquals(8f, y[17], "q 0, sub-block 1, scale -1");
        for (int i = 0; i < 256; i++) {
            if (i != 0 && i != 32 && i != 64 && i != 96 && i != 197 && i != 229) {
                assertEquals(0.25f * SCALES[i / 16] * -32, y[i], "element " + i);
            }
        }
    }

    /**
     * Sub-block j holds q - 32 with q = (5i + j) mod 64, except q = 0 for its first element, so each fit is
     * exact with scale 1 (the -32 sets it); the block stores d = -1/128 (0xA000) and all scales -128, and
     * decodes back exactly. Bytes checked by hand: element 7 has q 35, 39 has 37, 71 has 39, 103 has 41
     * (ql[7] = 3 | 7 << 4, ql[39] = 5 | 9 << 4, qh[7] = 2 in every pair); 135 has 43 and 199 has 47
     * (ql[71] = 11 | 15 << 4).
     */
    @Test
    void encodesExactlyRepresentableBlock() {
        float[] x = new float[256];
        for (int e = 0; e < 256; e++) {
            int i = e % 16;
            int j = e / 16;
            x[e] = (i == 0 ? 0 : (5 * i + j) % 64) - 32;
        }
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0xA000, QuantTestData.u16(bytes, Q6KBlock.OFFSET_D));
        for (int j = 0; j < 16; j++) {
            assertEquals(-128, bytes.get(ValueLayout.JAVA_BYTE, Q6KBlock.OFFSET_SCALES + j), "scale " + j);
        }
        assertEquals(0x73, QuantTestData.u8(bytes, Q6KBlock.OFFSET_QL + 7));
        assertEquals(0x95, QuantTestData.u8(bytes, Q6KBlock.OFFSET_QL + 39));
        assertEquals(0xAA, QuantTestData.u8(bytes, Q6KBlock.OFFSET_QH + 7));
        assertEquals(0xFB, QuantTestData.u8(bytes, Q6KBlock.OFFSET_QL + 71));
        float[] y = QuantTestData.dequantize(CODEC, bytes);
        for (int i = 0; i < 256; i++) {
            assertEquals(x[i], y[i], "element " + i);
        }
    }

    /**
     * Uniform-quantizer noise D/sqrt(12) with D = a sub-block's max|x| / 32. Gaussian: the largest of 16
     * |samples| is about 2.0 sigma, giving 0.018 of the RMS; uniform on [-a, a]: about 0.94a / 32 / sqrt(12)
     * against 0.577a = 0.0147.
     */
    @Override
    double uniformQuantizerRmse(Distribution distribution) {
        return distribution == Distribution.GAUSSIAN ? 0.018 : 0.0147;
    }

    /**
     * (1) Each decoded value is the nearest of the 64 levels its sub-block's stored scale allows.
     * (2) Its error is at most max|x|/40 of its block plus 32 * 128 * 2^-25: rounding on a grid of step about
     * max|x|/32 costs max|x|/64; the int8 scales, relative to the largest at -128, move a grid end by at
     * most 32 levels * half a unit of d = max|x|/256; the x²-weighted fit may leave extremes a little outside
     * (worst seen in 2000 blocks: 0.022 max|x|). The absolute term covers a subnormal fp16 d (off by up to
     * 2^-25) times a scale up to 128 and 32 levels.
     */
    @Override
    void assertNearestLevelWithinBound(float[] x, MemorySegment bytes) {
        float[] y = QuantTestData.dequantize(CODEC, bytes);
        for (int b = 0; b < x.length / 256; b++) {
            float d = F16Block.toFloat((short) QuantTestData.u16(bytes, 210L * b + Q6KBlock.OFFSET_D));
            double bound = QuantTestData.maxAbs(x, 256 * b, 256) / 40 + 32 * 128 * 0x1p-25;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                float step = d * bytes.get(ValueLayout.JAVA_BYTE, 210L * b + Q6KBlock.OFFSET_SCALES + i % 256 / 16);
                double nearest = Double.MAX_VALUE;
                for (int q = -32; q < 32; q++) {
                    nearest = Math.min(nearest, Math.abs((double) x[i] - step * q));
                }
                double error = Math.abs((double) x[i] - y[i]);
                String where = "element " + i + ": " + x[i] + " -> " + y[i];
                assertTrue(error <= nearest + 1e-6 * 32 * Math.abs(step) + 1e-30, where + " is not the nearest level");
                assertTrue(error <= bound, where + ", bound " + bound);
            }
        }
    }

    /** fp16 d overflows once the largest sub-block scale passes 128 * 65504, as in ggml. */
    @Test
    void scaleOverflowDecodesNonFiniteLikeGgml() {
        float[] x = QuantTestData.values(Distribution.UNIFORM, 256, 4);
        x[0] = 1e9f;
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0x7C00, QuantTestData.u16(bytes, Q6KBlock.OFFSET_D), "d is +infinity: the positive max takes level -32, so its"
                + " sub-block scale is negative, and that scale maps to -128");
        assertTrue(!Float.isFinite(QuantTestData.dequantize(CODEC, bytes)[0]));
    }
}
