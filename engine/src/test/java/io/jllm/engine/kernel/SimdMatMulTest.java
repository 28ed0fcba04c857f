package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SIMD matmuls against the scalar references. Both implement one canonical summation order
 * (see {@link Simd}), so the expected agreement is exact: every (row, token) result must have the
 * reference's bits, for any batch size, any position in the batch and any row range.
 * (Surefire runs this class at the machine's widest vectors and again at 256 bits.)
 */
class SimdMatMulTest {
    // K-quants: 33 takes the GEMM at 256 bits, 257 at 512 (where the small-batch kernel takes 4-255);
    // at 256 bits 9-10 and 17-18 take the small batch for whole groups and the matrix-vector kernel
    // for the 1-2 tokens left (KQuantSmallBatch.matvecTail);
    // Q8_0/Q4_0: 31 and more take their GEMM at 512 bits, 33 and more at 256
    private static final int[] BATCHES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 31, 33, 257};

    @BeforeAll
    static void simdAvailable() {
        assumeTrue(SimdKernels.supported(), "no 256-bit vectors on this machine");
    }

    @Test
    void theVectorWidthFollowsTheTestProperty() {
        String forced = System.getProperty("jllm.simd.bits");
        if (forced != null) {
            assertEquals(Integer.parseInt(forced), SimdKernels.vectorBits());
        }
        assertTrue(SimdKernels.vectorBits() == 256 || SimdKernels.vectorBits() == 512);
    }

    @Test
    void warmUpRunsEveryKernelWithinItsBudget() {
        long start = System.nanoTime();
        SimdKernels.warmUp(50);
        // one round always runs; interpreted, it takes well under the generous bound given here
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "warm-up overran its budget");
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                shapes(GgmlType.Q4_K, 256, 512, 1024, 3072),
                shapes(GgmlType.Q6_K, 256, 512, 1024, 3072),
                shapes(GgmlType.Q8_0, 32, 64, 96, 1024),
                shapes(GgmlType.Q4_0, 32, 64, 96, 1024),
                shapes(GgmlType.F32, 1, 17, 64, 1000),
                shapes(GgmlType.F16, 7, 16, 33, 1024),
                shapes(GgmlType.BF16, 1, 15, 48, 1024)).flatMap(s -> s);
    }

    /** Shapes with one block, a few, and many, and row counts that are odd or not multiples of 16. */
    private static Stream<Arguments> shapes(GgmlType type, int c1, int c2, int c3, int c4) {
        return Stream.of(Arguments.of(type, 1, c1), Arguments.of(type, 7, c2), Arguments.of(type, 19, c3),
                Arguments.of(type, 5, c4));
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void simdEqualsReferenceForEveryBatchSize(GgmlType type, int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(type, rows, cols, 31L * rows + cols, arena);
            for (int tokens : BATCHES) {
                matchesReference(type, w, tokens, tokens * 1000L + cols, "");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void aTokensResultDoesNotDependOnItsBatchOrTheRowRange(GgmlType type, int rows, int cols) {
        // K-quants: 12 tokens take the small-batch path (512 bits), 40 the float GEMM at 256 bits and the
        // small-batch path at 512, 260 the GEMM at 256 bits and the rows-in-lanes GEMM at 512; single
        // tokens the integer one
        for (int tokens : new int[] {12, 40, 260}) {
            batchAgainstAlone(type, rows, cols, tokens);
        }
    }

    private static void batchAgainstAlone(GgmlType type, int rows, int cols, int tokens) {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(type, rows, cols, 7L * rows + cols, arena);
            float[] x = KernelFixtures.activations(tokens * cols, 99L + cols);
            MatMulKernel kernel = SimdKernels.INSTANCE.matmul(type);
            float[] batched = new float[tokens * rows];
            // rows in ranges that start and end anywhere, as the compute pool's chunks may
            SplittableRandom random = new SplittableRandom(rows * 131L + cols);
            Activations all = KernelFixtures.simd(type, x, tokens, cols);
            for (int r0 = 0; r0 < rows; ) {
                int r1 = Math.min(rows, r0 + 1 + random.nextInt(4));
                kernel.matmul(w, r0, r1, all, batched, rows);
                r0 = r1;
            }
            for (int t = 0; t < tokens; t++) {
                float[] alone = new float[rows];
                Activations one = KernelFixtures.simd(type, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, cols);
                kernel.matmul(w, 0, rows, one, alone, rows);
                assertSameBits(alone, Arrays.copyOfRange(batched, t * rows, (t + 1) * rows),
                        type + " token " + t + " alone vs in a batch of " + tokens);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void oneThreadMovesBetweenRowLengthsInItsBatchedPaths(GgmlType type) {
        // per-thread scratch sized for one row length must be grown for the next, whichever comes first
        int tokens = 260;
        for (int cols : new int[] {512, 1024, 3072, 512, 2048}) {
            try (Arena arena = Arena.ofConfined()) {
                matchesReference(type, RandomWeights.matrix(type, 6, cols, cols, arena), tokens, cols + 1L,
                        " after other lengths");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void aFreshThreadMovesFromShorterRowsToGroupsOfMoreBlocks(GgmlType type) throws Exception {
        // a new thread's scratch is sized by its first call; a later row length whose row group
        // holds more blocks (3,072 columns after 2,048 or 1,024: one row tile, but more blocks
        // than the first call's group) must still fit; the prefill GEMMs' per-block scales did not
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(() -> {
            try {
                for (int cols : new int[] {2048, 3072, 1024, 3072}) {
                    try (Arena arena = Arena.ofConfined()) {
                        matchesReference(type, RandomWeights.matrix(type, 70, cols, cols + 70, arena), 260,
                                cols + 3L, " in a fresh thread");
                    }
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw new AssertionError(type + " in a fresh thread", failure[0]);
        }
    }

    /** All rows of {@code w} times {@code tokens} random activations: the SIMD kernel gives the reference's bits. */
    private static void matchesReference(GgmlType type, WeightTensor w, int tokens, long seed, String what) {
        int rows = w.rows();
        int cols = w.cols();
        Activations a = KernelFixtures.simd(type, KernelFixtures.activations(tokens * cols, seed), tokens, cols);
        float[] expected = new float[tokens * rows];
        float[] actual = new float[tokens * rows];
        ReferenceKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, expected, rows);
        SimdKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, actual, rows);
        assertSameBits(expected, actual, type + " " + rows + "x" + cols + " batch " + tokens + what);
    }

    @ParameterizedTest
    @MethodSource("types")
    void wholeRowTilesInRangesThatStartAnywhere(GgmlType type) {
        // the shapes above have at most 19 rows: here the GEMMs' whole tiles (32 rows for the
        // K-quants at 512 bits) run too, from a tile-aligned start and from one that is not
        int rows = 70;
        int cols = 512;
        int tokens = 260;
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(type, rows, cols, 70, arena);
            float[] x = KernelFixtures.activations(tokens * cols, 71);
            Activations a = KernelFixtures.simd(type, x, tokens, cols);
            float[] expected = new float[tokens * rows];
            ReferenceKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, expected, rows);
            for (int[] range : new int[][] {{0, rows}, {3, rows}, {0, 64}}) {
                float[] actual = expected.clone();
                for (int t = 0; t < tokens; t++) {
                    Arrays.fill(actual, t * rows + range[0], t * rows + range[1], Float.NaN);
                }
                SimdKernels.INSTANCE.matmul(type).matmul(w, range[0], range[1], a, actual, rows);
                assertSameBits(expected, actual, type + " rows " + range[0] + ".." + range[1] + " of " + rows);
            }
        }
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F32, GgmlType.F16,
                GgmlType.BF16);
    }

    @ParameterizedTest
    @MethodSource("types")
    void zeroAndExtremeActivationsStillMatch(GgmlType type) {
        int rows = 6;
        int cols = 512;
        // the last inputs are the others side by side, 41 and 260 tokens: every type's batched paths
        List<float[]> inputs = List.of(new float[2 * cols], scaled(cols, 1e30f), scaled(cols, 1e-30f),
                mixed(cols), repeated(cols, 41, new float[cols], scaled(cols, 1e30f), scaled(cols, 1e-30f),
                        mixed(cols)),
                repeated(cols, 260, new float[cols], scaled(cols, 1e30f), scaled(cols, 1e-30f), mixed(cols)));
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(type, rows, cols, 5, arena);
            for (float[] x : inputs) {
                int tokens = x.length / cols;
                Activations a = KernelFixtures.simd(type, x, tokens, cols);
                float[] expected = new float[tokens * rows];
                float[] actual = new float[tokens * rows];
                ReferenceKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, expected, rows);
                SimdKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, actual, rows);
                assertSameBits(expected, actual, type + " extreme input");
            }
        }
    }

    /**
     * Blocks a hostile or unlucky file may hold, at the edge of what the canonical lanes of 32
     * weights keep exact: Q6_K with every scale -128 and every quant 0 (weight -32), Q4_K with every
     * scale, min and quant at its maximum, against activations all of one sign (each Q8_K quant at
     * its extreme). A Q6_K lane sum then reaches 32 * 128 * 32 * 127 (2^24 at -128): still exact, so
     * every path, at every batch size, must keep the reference's bits, and the reference must be
     * finite and of the exact value's sign.
     */
    @ParameterizedTest
    @MethodSource("kQuants")
    void extremeKQuantBlocksStayExactOnEveryPath(GgmlType type) {
        int rows = 5;
        int cols = 1024;
        try (Arena arena = Arena.ofConfined()) {
            long bytes = (long) rows * (cols / 256) * type.bytesPerBlock();
            java.lang.foreign.MemorySegment data = arena.allocate(bytes, 64);
            for (long blk = 0; blk < bytes; blk += type.bytesPerBlock()) {
                if (type == GgmlType.Q6_K) {
                    // ql and qh 0 (q - 32 = -32), the sixteen int8 scales -128, d = 1
                    data.asSlice(blk, 192).fill((byte) 0);
                    data.asSlice(blk + 192, 16).fill((byte) 0x80);
                    data.set(Bytes.SHORT_LE, blk + 208, Float.floatToFloat16(1f));
                } else {
                    // every scale and min 63, every quant 15; d = dmin = 1
                    data.asSlice(blk + 4, 140).fill((byte) 0xFF);
                    data.set(Bytes.SHORT_LE, blk, Float.floatToFloat16(1f));
                    data.set(Bytes.SHORT_LE, blk + 2, Float.floatToFloat16(1f));
                }
            }
            WeightTensor w = new WeightTensor("extreme-" + type, type, rows, cols, data);
            for (float sign : new float[] {1f, -1f}) {
                for (int tokens : new int[] {1, 2, 3, 4, 5, 12, 40, 257, 260}) {
                    float[] x = new float[tokens * cols];
                    Arrays.fill(x, sign);
                    Activations a = KernelFixtures.simd(type, x, tokens, cols);
                    float[] expected = new float[tokens * rows];
                    float[] actual = new float[tokens * rows];
                    ReferenceKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, expected, rows);
                    SimdKernels.INSTANCE.matmul(type).matmul(w, 0, rows, a, actual, rows);
                    assertSameBits(expected, actual, type + " extreme blocks, sign " + sign + ", batch " + tokens);
                    // Q6_K: (-128)(-32) > 0 per weight; Q4_K: the scale term outweighs the min term
                    float exactSign = sign;
                    for (float v : expected) {
                        assertTrue(Float.isFinite(v) && Math.signum(v) == exactSign,
                                type + " extreme blocks: " + v + " for inputs of sign " + sign);
                    }
                }
            }
        }
    }

    static Stream<GgmlType> kQuants() {
        return Stream.of(GgmlType.Q4_K, GgmlType.Q6_K);
    }

    @Test
    void zeroActivationsGiveZero() {
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : types().toList()) {
                WeightTensor w = RandomWeights.matrix(type, 3, 256, 1, arena);
                Activations a = KernelFixtures.simd(type, new float[256], 1, 256);
                float[] y = new float[3];
                Arrays.fill(y, Float.NaN);
                SimdKernels.INSTANCE.matmul(type).matmul(w, 0, 3, a, y, 3);
                for (float v : y) {
                    assertEquals(0f, Math.abs(v), type.toString());
                }
            }
        }
    }

    @Test
    void mismatchedActivationsAreRefusedWithAClearError() {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(GgmlType.Q4_K, 2, 512, 1, arena);
            Activations wrongFormat = KernelFixtures.simd(GgmlType.Q8_0, new float[512], 1, 512);
            IllegalStateException format = assertThrows(IllegalStateException.class,
                    () -> SimdKernels.INSTANCE.matmul(GgmlType.Q4_K).matmul(w, 0, 2, wrongFormat, new float[2], 2));
            assertTrue(format.getMessage().contains("Q8_K"), format.getMessage());

            Activations scalarOnly = new Activations(512);
            ReferenceKernels.INSTANCE.quantize(GgmlType.Q4_K, new float[512], 1, 512, scalarOnly);
            IllegalStateException layouts = assertThrows(IllegalStateException.class,
                    () -> SimdKernels.INSTANCE.matmul(GgmlType.Q4_K).matmul(w, 0, 2, scalarOnly, new float[2], 2));
            assertTrue(layouts.getMessage().contains("SIMD quantizer"), layouts.getMessage());

            Activations wrongCols = KernelFixtures.simd(GgmlType.Q4_K, new float[256], 1, 256);
            IllegalArgumentException cols = assertThrows(IllegalArgumentException.class,
                    () -> SimdKernels.INSTANCE.matmul(GgmlType.Q4_K).matmul(w, 0, 2, wrongCols, new float[2], 2));
            assertTrue(cols.getMessage().contains("512"), cols.getMessage());
        }
    }

    private static float[] scaled(int cols, float scale) {
        float[] x = KernelFixtures.activations(2 * cols, 3);
        for (int i = 0; i < x.length; i++) {
            x[i] *= scale;
        }
        return x;
    }

    /** {@code tokens} rows of {@code cols}, taken from the given inputs' rows in turn. */
    private static float[] repeated(int cols, int tokens, float[]... inputs) {
        List<float[]> rows = new java.util.ArrayList<>();
        for (float[] in : inputs) {
            for (int t = 0; t < in.length / cols; t++) {
                rows.add(Arrays.copyOfRange(in, t * cols, (t + 1) * cols));
            }
        }
        float[] x = new float[tokens * cols];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(rows.get(t % rows.size()), 0, x, t * cols, cols);
        }
        return x;
    }

    /** A zero block, a single spike, huge and tiny blocks in one row. */
    private static float[] mixed(int cols) {
        float[] x = KernelFixtures.activations(cols, 4);
        Arrays.fill(x, 0, 32, 0f);
        x[40] = 1e20f;
        for (int i = 256; i < 288; i++) {
            x[i] *= 1e-35f;
        }
        return x;
    }

    static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (KernelFixtures.bits(expected[i]) != KernelFixtures.bits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " but was "
                        + actual[i]);
            }
        }
    }
}
