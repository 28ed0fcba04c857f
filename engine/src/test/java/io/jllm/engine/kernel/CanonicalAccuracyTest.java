package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The canonical summation orders are accurate, not just reproducible: each reference result is
 * compared with the same dot product computed in double from the integer parts.
 *
 * <p>Tolerance: the canonical result applies one float scale product per block (relative error
 * u = 2^-24), then a chain of at most {@code 2 * blocks} fma per lane and four levels of the
 * lane tree, each adding at most u relative to the partial sums' magnitudes, which are bounded by
 * the sum of the terms' absolute values A. So |canonical - exact| <= (2 * blocks + 6) * u * A.
 */
class CanonicalAccuracyTest {
    private static final double U = 0x1p-24;

    @Test
    void q4kIsWithinTheFloatErrorBoundOfTheExactSum() {
        int rows = 16;
        int cols = 3072;
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(GgmlType.Q4_K, rows, cols, 11, arena);
            Activations a = KernelFixtures.simd(GgmlType.Q4_K, KernelFixtures.activations(cols, 12), 1, cols);
            int[] sc = new int[8];
            int[] mn = new int[8];
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double magnitude = 0;
                MemorySegment data = w.data();
                for (int b = 0; b < cols / 256; b++) {
                    long blk = w.rowOffset(r) + b * 144L;
                    Q4KKernel.unpackScales(data, blk + 4, sc, mn);
                    long s = 0;
                    long m = 0;
                    for (int j = 0; j < 8; j++) {
                        for (int l = 0; l < 32; l++) {
                            int q = Bytes.u8(data, blk + 16 + 32 * (j / 2) + l);
                            int nibble = j % 2 == 0 ? q & 0xF : q >>> 4;
                            s += (long) sc[j] * nibble * a.qs[256 * b + 32 * j + l];
                            m += (long) mn[j] * a.qs[256 * b + 32 * j + l];
                        }
                    }
                    double dy = a.scales[b];
                    double term = Bytes.f16(data, blk) * dy * s - Bytes.f16(data, blk + 2) * dy * m;
                    exact += term;
                    magnitude += Math.abs(Bytes.f16(data, blk) * dy * s) + Math.abs(Bytes.f16(data, blk + 2) * dy * m);
                }
                float canonical = Q4KKernel.referenceDot(data, w.rowOffset(r), a, 0, cols);
                assertWithin(canonical, exact, (2 * cols / 256 + 6) * U * magnitude, "Q4_K row " + r);
            }
        }
    }

    @Test
    void q6kIsWithinTheFloatErrorBoundOfTheExactSum() {
        int rows = 16;
        int cols = 1024;
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(GgmlType.Q6_K, rows, cols, 13, arena);
            Activations a = KernelFixtures.simd(GgmlType.Q6_K, KernelFixtures.activations(cols, 14), 1, cols);
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double magnitude = 0;
                MemorySegment data = w.data();
                for (int b = 0; b < cols / 256; b++) {
                    long blk = w.rowOffset(r) + b * 210L;
                    long s = 0;
                    for (int i = 0; i < 256; i++) {
                        s += (long) Bytes.i8(data, blk + 192 + i / 16) * Q6KKernel.weight(data, blk, i) * a.qs[256 * b
                                + i];
                    }
                    double term = Bytes.f16(data, blk + 208) * (double) a.scales[b] * s;
                    exact += term;
                    magnitude += Math.abs(term);
                }
                float canonical = Q6KKernel.referenceDot(data, w.rowOffset(r), a, 0, cols);
                assertWithin(canonical, exact, (2 * cols / 256 + 6) * U * magnitude, "Q6_K row " + r);
            }
        }
    }

    @Test
    void f32IsWithinTheFloatErrorBoundOfTheDoubleSum() {
        int rows = 16;
        int cols = 1000;
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(GgmlType.F32, rows, cols, 15, arena);
            float[] x = KernelFixtures.activations(cols, 16);
            Activations a = KernelFixtures.simd(GgmlType.F32, x, 1, cols);
            for (int r = 0; r < rows; r++) {
                double exact = FloatKernels.accurateDotF32(w.data(), w.rowOffset(r), x, 0, cols);
                double magnitude = 0;
                for (int j = 0; j < cols; j++) {
                    magnitude += Math.abs((double) Bytes.f32(w.data(), w.rowOffset(r) + 4L * j) * x[j]);
                }
                float canonical = FloatKernels.referenceDotF32(w.data(), w.rowOffset(r), a, 0, cols);
                // a chain of cols/16 fma per lane, then the tree
                assertWithin(canonical, exact, (cols / 16 + 6) * U * magnitude, "F32 row " + r);
            }
        }
    }

    private static void assertWithin(float actual, double exact, double bound, String what) {
        assertTrue(Math.abs(actual - exact) <= bound,
                what + ": " + actual + " vs exact " + exact + ", error " + Math.abs(actual - exact) + " > bound "
                        + bound);
    }
}
