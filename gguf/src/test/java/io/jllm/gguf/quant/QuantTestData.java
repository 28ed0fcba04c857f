package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/** Inputs and small helpers shared by the codec tests. */
final class QuantTestData {
    /** Statistical inputs: the accuracy tests state their bounds for these. */
    enum Distribution {
        GAUSSIAN, UNIFORM, OUTLIERS
    }

    /** Inputs picked to break a quantizer rather than to be typical. */
    enum Adversarial {
        ZEROS, CONSTANT, NEGATIVE_CONSTANT, ALTERNATING_SIGNS, HUGE, SUBNORMAL_FP16_SCALES, TINY, SINGLE_NONZERO, TIES
    }

    private QuantTestData() {
    }

    /** {@code n} values of {@code distribution}, with a different spread per 256-element block. */
    static float[] values(Distribution distribution, int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            float spread = 0.02f * (1 + (i / 256) % 7); // weights-like magnitudes, varied per block
            x[i] = spread * switch (distribution) {
                case GAUSSIAN -> (float) random.nextGaussian();
                case UNIFORM -> 2 * random.nextFloat() - 1;
                case OUTLIERS -> (float) random.nextGaussian() * (random.nextInt(64) == 0 ? 40 : 1);
            };
        }
        return x;
    }

    /** {@code n} values of {@code kind}; {@code blockSize} places per-block features (the single nonzero). */
    static float[] values(Adversarial kind, int n, int blockSize, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int block = i / blockSize;
            x[i] = switch (kind) {
                case ZEROS -> 0f;
                case CONSTANT -> 0.75f;
                case NEGATIVE_CONSTANT -> -3.5f;
                case ALTERNATING_SIGNS -> (i % 2 == 0 ? 1f : -1f) * (1 + block % 3);
                // large but with every fp16 scale finite: max 1e5 keeps Q4_0's d = max/8 < 65504
                case HUGE -> (float) random.nextGaussian() * 2e4f;
                // small enough that the fp16 scales are subnormal and coarse
                case SUBNORMAL_FP16_SCALES -> (float) random.nextGaussian() * 1e-5f;
                // far below fp16's subnormal range: every fp16 scale rounds to zero
                case TINY -> (float) random.nextGaussian() * 1e-30f;
                case SINGLE_NONZERO -> i % blockSize == (block * 7) % blockSize ? (block % 2 == 0 ? 2.5f : -1.25f) : 0f;
                // multiples of 0.5 so scaled values land on rounding ties
                case TIES -> (random.nextInt(255) - 127) * 0.5f;
            };
        }
        return x;
    }

    static MemorySegment quantize(QuantCodec codec, float[] x) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[(int) codec.type().byteSize(x.length)]);
        codec.quantize(x, 0, bytes, 0, x.length);
        return bytes;
    }

    static float[] dequantize(QuantCodec codec, MemorySegment bytes) {
        int blocks = (int) (bytes.byteSize() / codec.type().bytesPerBlock());
        float[] y = new float[blocks * codec.type().blockSize()];
        codec.dequantize(bytes, 0, y, 0, y.length);
        return y;
    }

    static float[] roundTrip(QuantCodec codec, float[] x) {
        return dequantize(codec, quantize(codec, x));
    }

    /** A segment holding {@code values}, each taken as an unsigned byte (so 0xF0 can be written plainly). */
    static MemorySegment bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return MemorySegment.ofArray(b);
    }

    static int u8(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static int u16(MemorySegment segment, long offset) {
        return u8(segment, offset) | u8(segment, offset + 1) << 8;
    }

    static float maxAbs(float[] x, int from, int n) {
        float max = 0f;
        for (int i = from; i < from + n; i++) {
            max = Math.max(max, Math.abs(x[i]));
        }
        return max;
    }

    /** Root-mean-square error of {@code y} against {@code x}, divided by the root-mean-square of {@code x}. */
    static double relativeRmse(float[] x, float[] y) {
        double error = 0;
        double signal = 0;
        for (int i = 0; i < x.length; i++) {
            double e = (double) x[i] - y[i];
            error += e * e;
            signal += (double) x[i] * x[i];
        }
        return Math.sqrt(error / signal);
    }

    /**
     * NaN and infinities must not throw or hang, and must not leak into other blocks: quantizing 1024 values
     * with NaN and infinities in the first and third 256 gives, for the second and fourth, the bytes they get
     * alone. (The affected blocks' bytes are whatever ggml's reference makes of such input.)
     */
    static void assertNonFiniteConfinedToItsBlocks(QuantCodec codec) {
        float[] x = values(Distribution.GAUSSIAN, 4 * 256, 6);
        x[0] = Float.NaN;
        x[100] = Float.POSITIVE_INFINITY;
        x[600] = Float.NEGATIVE_INFINITY;
        x[601] = Float.NaN;
        MemorySegment bytes = quantize(codec, x);
        dequantize(codec, bytes);
        long chunk = codec.type().byteSize(256);
        for (int clean : new int[] {1, 3}) {
            float[] alone = Arrays.copyOfRange(x, 256 * clean, 256 * clean + 256);
            assertEquals(-1, bytes.asSlice(chunk * clean, chunk).mismatch(quantize(codec, alone)),
                    "values " + 256 * clean + ".." + (256 * clean + 255) + " are affected by NaN elsewhere");
        }
    }

    static void assertAllZero(MemorySegment bytes) {
        for (long i = 0; i < bytes.byteSize(); i++) {
            assertEquals(0, bytes.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
    }

    /** The largest error {@code |x[i] - y[i]|} allowed for element {@code i} of block {@code block}. */
    interface ErrorBound {
        double at(int block, int i);
    }

    static void assertErrorsWithin(float[] x, float[] y, int blockSize, ErrorBound bound) {
        for (int i = 0; i < x.length; i++) {
            double allowed = bound.at(i / blockSize, i);
            assertTrue(Math.abs((double) x[i] - y[i]) <= allowed,
                    "element " + i + ": " + x[i] + " -> " + y[i] + ", bound " + allowed);
        }
    }

    static void assertRelativeRmseAtMost(QuantCodec codec, Distribution distribution, double bound) {
        float[] x = values(distribution, 64 * 256, distribution.ordinal());
        double rmse = relativeRmse(x, roundTrip(codec, x));
        assertTrue(rmse <= bound, codec.type() + " " + distribution + ": relative RMSE " + rmse + " > " + bound);
    }
}
