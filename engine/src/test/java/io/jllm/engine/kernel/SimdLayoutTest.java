package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector layout code against the index tables that define it: the small-batch layouts
 * ({@link KQuantSmallBatch#Q4K_AT}, {@link KQuantSmallBatch#Q6K_AT}) and the single-token Q4_K
 * order. SimdMatMulTest checks the products end to end; this names the position that went wrong.
 */
class SimdLayoutTest {

    private static Activations quantized(int tokens, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Activations a = new Activations(tokens * cols);
        ActivationQuantizer.quantizeSimd(GgmlType.Q8_K, x, tokens, cols, a);
        return a;
    }

    @Test
    void smallBatchLayoutsFollowTheirTables() {
        // 512 bits: the vector layout code, a step's 16 lanes side by side; 256 bits: the group's
        // tokens side by side, then each (group, block)'s scales and min-term sums likewise
        int tokens = 11;
        int cols = 768;
        assumeTrue(KQuantSmallBatch.suits(tokens), "batch of 11 takes the small-batch path");
        Activations a = quantized(tokens, cols, 5);
        int blocks = cols / 256;
        int padded = KQuantSmallBatch.paddedTokens(tokens);
        int q6 = padded * cols;
        int group = KQuantSmallBatch.GROUP;
        for (int token = 0; token < padded; token++) {
            int real = Math.min(token, tokens - 1);
            int g = token / group;
            int t = token % group;
            for (int b = 0; b < blocks; b++) {
                for (int s = 0; s < 16; s++) {
                    for (int lane = 0; lane < 16; lane++) {
                        int at = Activations.YT_PAD + (Simd.WIDE
                                ? (((g * blocks + b) * 16 + s) * group + t) * 16 + lane
                                : ((g * blocks + b) * 256 + s * 16 + lane) * group + t);
                        int src = real * cols + b * 256;
                        String where = "token " + token + " block " + b + " step " + s + " lane " + lane;
                        assertEquals(a.qs[src + KQuantSmallBatch.Q4K_AT[s * 16 + lane]], a.smallBatch[at], "Q4_K " + where);
                        assertEquals(a.qs[src + KQuantSmallBatch.Q6K_AT[s * 16 + lane]], a.smallBatch[q6 + at],
                                "Q6_K " + where);
                    }
                }
                if (!Simd.WIDE) {
                    int extra = KQuantSmallBatch.tokenLaneExtra(q6);
                    int gb = g * blocks + b;
                    int k = real * blocks + b;
                    assertEquals(a.scales[k], a.smallBatch[extra + gb * group + t], "dy, token " + token + " block " + b);
                    for (int lane = 0; lane < 16; lane++) {
                        int sums = extra + padded / group * blocks * group;
                        assertEquals(a.ksums[k * 16 + lane], a.smallBatch[sums + (gb * 16 + lane) * group + t],
                                "min-term sum, token " + token + " block " + b + " lane " + lane);
                    }
                }
            }
        }
    }

    @Test
    void rowGemmLayoutFollowsItsFormula() {
        // 262 tokens: the last tile partial, its padding zeros; stale values in yT must go
        int tokens = 262;
        int cols = 768;
        assumeTrue(KQuantRowGemm.suits(tokens), "a batch of 262 takes the row GEMM");
        SplittableRandom random = new SplittableRandom(13);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Activations a = new Activations(tokens * cols);
        Arrays.fill(a.yT, Float.NaN);
        ActivationQuantizer.quantizeSimd(GgmlType.Q8_K, x, tokens, cols, a);
        int blocks = cols / 256;
        int tt = KQuantRowGemm.TT;
        for (int g = 0; g < KQuantRowGemm.tiles(tokens); g++) {
            for (int run = 0; run < 32; run++) {
                for (int b = 0; b < blocks; b++) {
                    for (int k = 0; k < 8; k++) {
                        for (int t = 0; t < tt; t++) {
                            int token = g * tt + t;
                            float expected = token < tokens
                                    ? a.qs[token * cols + b * 256 + KQuantGemm.WEIGHT_AT[run * 8 + k]]
                                    : 0f;
                            // run 2*lane + p + 16*u: stream p of canonical lane `lane`, steps u*8.. of a block
                            int lane = (run % 16) / 2;
                            int p = run % 2;
                            int u = run / 16;
                            int at = Activations.YT_PAD + ((((g * 8 + lane) * 2 + p) * blocks + b) * 16 + u * 8 + k) * tt + t;
                            assertEquals(expected, a.yT[at], "tile " + g + " run " + run + " block " + b + " step "
                                    + k + " token " + t);
                        }
                    }
                }
            }
            // each canonical lane's min-term sum: its 32 quants, sub-block `lane`
            for (int b = 0; b < blocks; b++) {
                for (int lane = 0; lane < 8; lane++) {
                    for (int t = 0; t < tt; t++) {
                        int token = g * tt + t;
                        int sum = 0;
                        for (int i = 0; token < tokens && i < 32; i++) {
                            sum += a.qs[token * cols + b * 256 + 32 * lane + i];
                        }
                        assertEquals(sum, a.ksT[((g * blocks + b) * 8 + lane) * tt + t],
                                "tile " + g + " block " + b + " lane " + lane + " token " + t);
                    }
                }
            }
        }
    }

    /** Gaussian activations with an outlier of 1e6 every {@code outlierEvery} values. */
    private static float[] input(int tokens, int cols, long seed, int outlierEvery) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * (i % outlierEvery == 0 ? 1e6f : 1f);
        }
        return x;
    }

    /** One batch converted on one thread and across a pool. */
    private record Converted(Activations one, Activations pooled) {
    }

    /**
     * {@code x} converted for {@code weights} on one thread and across a pool of 3, whose buffers
     * start with stale data that must all be overwritten.
     */
    private static Converted convertBothWays(GgmlType weights, float[] x, int tokens, int cols) {
        Activations one = new Activations(tokens * cols);
        Activations pooled = new Activations(tokens * cols);
        Arrays.fill(pooled.yT, Float.NaN);
        Arrays.fill(pooled.qs, (byte) 77);
        SimdKernels.INSTANCE.quantize(weights, x, tokens, cols, one);
        try (ComputePool pool = new ComputePool(3)) {
            SimdKernels.INSTANCE.quantize(weights, x, tokens, cols, pooled, pool);
        }
        return new Converted(one, pooled);
    }

    /**
     * The buffers both row GEMMs read agree: quants and scales of {@code n} values in blocks of
     * {@code block}, the layout of {@code padded} tokens and its scales.
     */
    private static void assertSameRowGemmInput(Converted c, int n, int block, int padded, int cols) {
        assertArrayEquals(Arrays.copyOf(c.one().qs, n), Arrays.copyOf(c.pooled().qs, n), "quants");
        assertArrayEquals(Arrays.copyOf(c.one().scales, n / block), Arrays.copyOf(c.pooled().scales, n / block),
                "scales");
        int end = Activations.YT_PAD + padded * cols;
        assertArrayEquals(Arrays.copyOfRange(c.one().yT, Activations.YT_PAD, end),
                Arrays.copyOfRange(c.pooled().yT, Activations.YT_PAD, end), "row-GEMM layout");
        assertArrayEquals(Arrays.copyOf(c.one().dyT, padded * cols / block),
                Arrays.copyOf(c.pooled().dyT, padded * cols / block), "scales, laid out");
    }

    @Test
    void aLargeBatchConvertedAcrossThePoolEqualsOneThreadsConversion() {
        // 3 threads and 12 parts over 44 token tiles of the row GEMM (262 tokens: the last tile
        // partial), so parts start and end mid-batch; every buffer the kernels read must agree
        int tokens = 262;
        int cols = 768;
        assumeTrue(KQuantRowGemm.suits(tokens), "a batch of 262 takes the row GEMM (512 bits)");
        float[] x = input(tokens, cols, 9, 997);
        Arrays.fill(x, 5 * cols, 6 * cols, 0f);
        Converted c = convertBothWays(GgmlType.Q4_K, x, tokens, cols);
        int n = tokens * cols;
        int padded = KQuantRowGemm.tiles(tokens) * KQuantRowGemm.TT;
        assertSameRowGemmInput(c, n, 256, padded, cols);
        assertArrayEquals(Arrays.copyOf(c.one().bsums, n / 16), Arrays.copyOf(c.pooled().bsums, n / 16), "sums");
        assertArrayEquals(Arrays.copyOf(c.one().ksums, n / 16), Arrays.copyOf(c.pooled().ksums, n / 16),
                "lane sums");
        assertArrayEquals(Arrays.copyOf(c.one().ksT, padded * cols / 16), Arrays.copyOf(c.pooled().ksT, padded * cols / 16),
                "lane sums, laid out");
    }

    @Test
    void aLargeQ8_0BatchConvertedAcrossThePoolEqualsOneThreadsConversion() {
        // Block32RowGemm's tiles of 4 tokens: 66 of them for 262 tokens (the last partial), in 12
        // parts over 3 threads; a block of zeros takes the quantizer's own path
        int tokens = 262;
        int cols = 768;
        assumeTrue(Block32RowGemm.suits(tokens), "a batch of 262 takes the Q8_0 row GEMM");
        float[] x = input(tokens, cols, 11, 991);
        Arrays.fill(x, 7 * cols, 7 * cols + 64, 0f);
        Converted c = convertBothWays(GgmlType.Q8_0, x, tokens, cols);
        assertEquals(GgmlType.Q8_0, c.pooled().format());
        assertSameRowGemmInput(c, tokens * cols, 32, Block32RowGemm.tiles(tokens) * Block32RowGemm.TT, cols);
    }

    @Test
    void singleTokenQ4KLayoutFollowsItsOrder() {
        int cols = 1024;
        Activations a = quantized(1, cols, 9);
        int[] order = Q4KKernel.activationOrder(Simd.BITS == 0 ? 256 : Simd.BITS);
        for (int b = 0; b < cols / 256; b++) {
            for (int j = 0; j < 256; j++) {
                assertEquals(a.qs[b * 256 + order[j]], a.k4[b * 256 + j], "block " + b + " position " + j);
            }
        }
    }
}
