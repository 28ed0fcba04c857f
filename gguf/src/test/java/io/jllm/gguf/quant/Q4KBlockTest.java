package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.quant.QuantTestData.Distribution;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class Q4KBlockTest extends SuperBlockCodecTest {
    private static final Q4KBlock CODEC = Q4KBlock.INSTANCE;

    @Override
    QuantCodec codec() {
        return CODEC;
    }

    /** The 6-bit scales and mins the hand-packed block below holds, sub-block by sub-block. */
    private static final int[] SCALES = {1, 2, 3, 4, 33, 34, 63, 16};
    private static final int[] MINS = {5, 6, 7, 8, 40, 9, 0, 63};

    /**
     * d = 1 (0x3C00), dmin = 0.5 (0x3800). Packed by hand: bytes 0-3 = scale 0-3 | (scale 4-7 >> 4) << 6,
     * bytes 4-7 = min 0-3 | (min 4-7 >> 4) << 6, bytes 8-11 = (scale 4-7 & 15) | (min 4-7 & 15) << 4.
     * Quant byte 32g + l = (l & 15) | (15 - (l & 15)) << 4: sub-block 2g sees l & 15, sub-block 2g + 1 its complement.
     */
    private static MemorySegment handBuiltBlock() {
        int[] block = new int[144];
        block[1] = 0x3C;
        block[3] = 0x38;
        int[] packed = {0x81, 0x82, 0xC3, 0x44, 0x85, 0x06, 0x07, 0xC8, 0x81, 0x92, 0x0F, 0xF0};
        System.arraycopy(packed, 0, block, 4, 12);
        for (int k = 0; k < 128; k++) {
            int l = k % 32;
            block[16 + k] = (l & 15) | (15 - (l & 15)) << 4;
        }
        return QuantTestData.bytes(block);
    }

    @Test
    void unpacksScalesAndMins() {
        byte[] scales = handBuiltBlock().asSlice(Q4KBlock.OFFSET_SCALES, 12).toArray(ValueLayout.JAVA_BYTE);
        for (int j = 0; j < 8; j++) {
            assertEquals(SCALES[j], Q4KBlock.scale(scales, 0, j), "scale " + j);
            assertEquals(MINS[j], Q4KBlock.min(scales, 0, j), "min " + j);
        }
    }

    @Test
    void decodesHandBuiltBlock() {
        float[] y = QuantTestData.dequantize(CODEC, handBuiltBlock());
        assertEquals(-2.5f, y[0], "sub-block 0, q 0: 0 - 0.5 * 5");
        assertEquals(25f, y[33], "sub-block 1, q 14: 2 * 14 - 0.5 * 6");
        assertEquals(46f, y[130], "sub-block 4, q 2: 33 * 2 - 0.5 * 40");
        assertEquals(-4.5f, y[191], "sub-block 5, q 0: 0 - 0.5 * 9");
        assertEquals(504f, y[200], "sub-block 6, q 8: 63 * 8 - 0");
        assertEquals(48.5f, y[250], "sub-block 7, q 5: 16 * 5 - 0.5 * 63");
        assertEquals(-31.5f, y[255], "sub-block 7, q 0");
        for (int i = 0; i < 256; i++) {
            int j = i / 32;
            int l = i % 32 & 15;
            int q = j % 2 == 0 ? l : 15 - l;
            assertEquals(SCALES[j] * q - 0.5f * MINS[j], y[i], "element " + i);
        }
    }

    /**
     * Sub-block j holds q * 63/64 with q = (i + j) mod 16: every fit is exact with scale 63/64 and min 0, so
     * the block stores d = 2^-6 (0x2400), dmin = 0, all scales 63 and mins 0, the quants q, and decodes
     * back to the input exactly.
     */
    @Test
    void encodesExactlyRepresentableBlock() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = ((i % 32 + i / 32) % 16) * (63f / 64);
        }
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0x2400, QuantTestData.u16(bytes, Q4KBlock.OFFSET_D));
        assertEquals(0x0000, QuantTestData.u16(bytes, Q4KBlock.OFFSET_DMIN));
        int[] scales = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
        for (int k = 0; k < 12; k++) {
            assertEquals(scales[k], QuantTestData.u8(bytes, Q4KBlock.OFFSET_SCALES + k), "scales byte " + k);
        }
        assertEquals(0x10, QuantTestData.u8(bytes, Q4KBlock.OFFSET_QS), "q(0) = 0, q(32) = 1");
        assertEquals(0x21, QuantTestData.u8(bytes, Q4KBlock.OFFSET_QS + 1), "q(1) = 1, q(33) = 2");
        assertEquals(0x0F, QuantTestData.u8(bytes, Q4KBlock.OFFSET_QS + 31), "q(31) = 15, q(63) = 0");
        assertEquals(0x32, QuantTestData.u8(bytes, Q4KBlock.OFFSET_QS + 32), "q(64) = 2, q(96) = 3");
        float[] y = QuantTestData.dequantize(CODEC, bytes);
        for (int i = 0; i < 256; i++) {
            assertEquals(x[i], y[i], "element " + i);
        }
    }

    /**
     * A uniform quantizer with step D has RMS error D/sqrt(12); here D is a sub-block's range / 15.
     * Gaussian: 32 samples span about 4.1 sigma, so 0.275 sigma / sqrt(12) = 0.080 of the RMS; uniform on
     * [-a, a]: range about 1.88a, 0.036a against an RMS of 0.577a = 0.063.
     */
    @Override
    double uniformQuantizerRmse(Distribution distribution) {
        return distribution == Distribution.GAUSSIAN ? 0.080 : 0.063;
    }

    /**
     * Two checks per element. (1) Its decoded value is the nearest of the 16 levels its sub-block's stored
     * scale and min allow (ggml re-quantizes against the stored values), up to float rounding.
     * (2) Its error is at most max|x|/8 of its block plus 16 * 63 * 2^-25: a 16-level grid over a range of at
     * most 2 max|x| costs at most max|x|/15 in rounding; storing scales and mins in 6 bits of their block
     * maxima moves the grid by at most 16/126 of a step (about max|x|/60); the weighted least-squares fit can
     * leave extremes outside the grid by a further fraction of a step (worst seen in 2000 blocks: 0.112
     * max|x|). The absolute term covers fp16 d and dmin in the subnormal range, off by up to 2^-25 each,
     * times up to 63 and 15 levels.
     */
    @Override
    void assertNearestLevelWithinBound(float[] x, MemorySegment bytes) {
        float[] y = QuantTestData.dequantize(CODEC, bytes);
        for (int b = 0; b < x.length / 256; b++) {
            byte[] block = bytes.asSlice(144L * b, 144).toArray(ValueLayout.JAVA_BYTE);
            float d = F16Block.toFloat((short) QuantTestData.u16(bytes, 144L * b + Q4KBlock.OFFSET_D));
            float dmin = F16Block.toFloat((short) QuantTestData.u16(bytes, 144L * b + Q4KBlock.OFFSET_DMIN));
            double bound = QuantTestData.maxAbs(x, 256 * b, 256) / 8 + 16 * 63 * 0x1p-25;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                int j = i % 256 / 32;
                float step = d * Q4KBlock.scale(block, Q4KBlock.OFFSET_SCALES, j);
                float min = dmin * Q4KBlock.min(block, Q4KBlock.OFFSET_SCALES, j);
                double nearest = Double.MAX_VALUE;
                for (int q = 0; q < 16; q++) {
                    nearest = Math.min(nearest, Math.abs((double) x[i] - (step * q - min)));
                }
                double error = Math.abs((double) x[i] - y[i]);
                String where = "element " + i + ": " + x[i] + " -> " + y[i];
                assertTrue(error <= nearest + 1e-6 * (15 * step + min) + 1e-30, where + " is not the nearest level");
                assertTrue(error <= bound, where + ", bound " + bound);
            }
        }
    }

    /** fp16 d overflows once a sub-block's fitted scale passes 63 * 65504, as in ggml: the block decodes to non-finite values. */
    @Test
    void scaleOverflowDecodesNonFiniteLikeGgml() {
        float[] x = QuantTestData.values(Distribution.UNIFORM, 256, 4);
        x[0] = 1e9f;
        MemorySegment bytes = QuantTestData.quantize(CODEC, x);
        assertEquals(0x7C00, QuantTestData.u16(bytes, Q4KBlock.OFFSET_D), "d is +infinity");
        float[] y = QuantTestData.dequantize(CODEC, bytes);
        assertTrue(!Float.isFinite(y[0]));
    }
}
