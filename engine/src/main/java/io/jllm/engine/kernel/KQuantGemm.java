package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batch (prefill) path of the K-quant matmuls: weights dequantized once per tile of rows to
 * floats {@code q*scale} (exact small integers), multiplied by the activation quants (also exact
 * integers, stored transposed with the tokens of one weight side by side) in float fma with
 * vector lanes running over tokens, so one weight value is applied to a whole vector of tokens.
 *
 * <p>Same bits as the integer kernels: every half-lane sum {@code S_L} (16 products of at most
 * 945*127 for Q4_K or 4096*127 for Q6_K), and a canonical lane's sum {@code S_j + S_{j+8}} of two
 * of them, is an integer below 2^24, exact in float whatever the order, and the float part (one
 * fma with d*dy per canonical lane and block, the Q4_K min term, the lane tree) is the canonical
 * one, done lane-wise over tokens. Which path runs is a matter of speed only.
 *
 * <h2>Layout</h2>
 * Within each block, weights and activations are stored in one "position" order ({@link #WEIGHT_AT})
 * in which every half-lane (the 16 weights of half a canonical lane; see {@link Q4KKernel}) of either
 * type is two runs of 8 consecutive positions (for Q4_K even one run of 16): weight bits
 * {@code b7..b0} sit at position bits {@code [b6 b4 b3 b2 b5 b7 b1 b0]}.
 * A Q4_K half-lane fixes {@code b6} and {@code b4..b2} (chunk parity and byte group), a Q6_K one
 * {@code b5} and {@code b4..b2}; both leave {@code b7, b1, b0} free (Q4_K also {@code b5}, Q6_K
 * also {@code b6}), and those are the low position bits. So the inner loop walks memory linearly,
 * with no index table and with bounds checks hoisted out of it.
 * The dequantized tile keeps its rows interleaved ({@code (position * TILE_ROWS + row)}), so all
 * rows' weights of one position are a few constant offsets from one address.
 *
 * <h2>Tile</h2>
 * {@link #TILE_ROWS} rows x 2 vectors of tokens: per position two activation loads and one
 * broadcast per row feed {@code 2 * TILE_ROWS} fma into the exact half-lane sums, which are stored
 * per (row, block, half-lane); a second pass adds each canonical lane's two half-lanes and folds
 * them into the 8 lane accumulators of each (row, token vector) in registers, in the canonical
 * order, and finishes with the lane tree. Per-thread scratch lives in a thread-local buffer that
 * grows once to the widest row seen.
 */
final class KQuantGemm {
    static final VectorSpecies<Float> FS = Simd.WIDE ? Simd.F512 : Simd.F256;
    private static final VectorSpecies<Integer> IS = Simd.WIDE ? Simd.I512 : Simd.I256;
    private static final VectorSpecies<Byte> BS = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final int VL = FS.length();
    /** Tokens per tile. */
    static final int TILE_TOKENS = 2 * VL;
    /** Rows per tile: 8 x 2 token vectors of sums fill half of AVX-512's 32 registers, 4 x 2 half of AVX2's 16. */
    static final int TILE_ROWS = Simd.WIDE ? 8 : 4;
    /**
     * Lane sums per block: one run of 16 lanes per tile row and token vector, so the fold of a
     * (row, token vector) reads each block's lanes as 1 KiB in a row; the 2 * TILE_ROWS stores
     * after each lane land 1 KiB apart, at most four to an L1 set.
     */
    private static final int KR = 2 * TILE_ROWS;
    /** Floats in one run of a block's 16 lane sums for one tile row and token vector. */
    private static final int RUN = 16 * VL;

    /** Where the run of block {@code b}, tile row and token vector {@code k} (= 2*row + v) starts in the sums. */
    private static int sumsAt(int b, int k) {
        return (b * KR + k) * RUN;
    }
    /**
     * The smallest batch this path is used for; the system property {@code jllm.gemm.minTokens}
     * overrides it, for benchmarks comparing both paths. The small-batch kernel is faster up to a
     * few hundred tokens at 512 bits, because this path dequantizes and interleaves every row once
     * per call, which only a large batch pays for (one thread, calibration cycles per block and
     * token, Q4_K 3072x1024: 32 tokens 42.6 here vs 24.6 small-batch, 64: 32.5 vs 21.3, 128: 27.7
     * vs 25.3, 256: 25.6 vs 24.8, 512: 21.9 vs 27.7; bench/KERNELS.md). At 256 bits (AVX2) the
     * small-batch kernel with the tokens across the lanes ({@link KQuantSmallBatch256}) beats it
     * wherever the row GEMM does not take over (Q4_K 3072x1024, 64 tokens 24.3 vs 39.2, 128: 27.5 vs
     * 33.2; end to end, a 128-token prefill pass of the Q4_K_M model 88 against 58 tokens/s), so
     * there it starts where {@link KQuantRowGemm} does, which takes those batches first: it runs
     * only with the row GEMM turned off.
     */
    static final int MIN_TOKENS = Integer.getInteger("jllm.gemm.minTokens", Simd.WIDE ? 256 : 192);
    /**
     * Dequantized weights kept per group of row tiles, in KiB: every token tile's activations are
     * read once per group instead of once per row tile. 512 tokens of 1024 activations are 2 MiB,
     * the whole L2 here, so streaming them once per 8 rows came from L3; a group sized to share L2
     * with one token tile's activations (128-384 KiB) reads them a few times per chunk instead.
     */
    static final int GROUP_KIB = Integer.getInteger("jllm.gemm.groupKiB", 256);

    /** The weight (within its block) stored at each position; see the class comment. */
    static final int[] WEIGHT_AT = weightAt();

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private KQuantGemm() {
    }

    private static final class Scratch {
        /** The tile's rows, interleaved, in position order. */
        float[] weights = new float[0];
        /** One token vector of results on its way into the output. */
        final float[] lanes = new float[VL];
        /** One row in natural order, on its way into {@link #weights}. */
        float[] row = new float[0];
        /** Per tile row and block: d, dmin and the eight mins. */
        float[] blockScales = new float[0];
        /** Per tile row, block and token of the tile: d*dy, then -(dmin*dy). */
        float[] blockDy = new float[0];
        /**
         * Half-lane sums S_L: {@code (((b*KR + 2*row + v) * 16 + lane) * VL + token)}, {@code v} the token
         * vector, so that the fold of one (row, v) reads its 16 half-lanes of a block as 1 KiB in a row.
         */
        float[] sums = new float[0];

        void ensure(int cols) {
            int group = groupTiles(cols);
            int rows = group * TILE_ROWS;
            if (weights.length < rows * cols) {
                weights = new float[rows * cols];
            }
            if (row.length < cols) {
                row = new float[cols];
            }
            if (blockScales.length < rows * cols / 256 * 10) {
                blockScales = new float[rows * cols / 256 * 10];
            }
            if (sums.length < TILE_ROWS * cols / 256 * 16 * TILE_TOKENS) {
                blockDy = new float[TILE_ROWS * cols / 256 * 2 * TILE_TOKENS];
                sums = new float[TILE_ROWS * cols / 256 * 16 * TILE_TOKENS];
            }
        }
    }

    /** Row tiles per group for rows of {@code cols} weights (see {@link #GROUP_KIB}). */
    static int groupTiles(int cols) {
        return groupTiles(cols, TILE_ROWS);
    }

    /** Tiles of {@code tileRows} dequantized rows of {@code cols} floats that fit {@link #GROUP_KIB} (1 to 64). */
    static int groupTiles(int cols, int tileRows) {
        return Math.max(1, Math.min(64, GROUP_KIB * 1024 / (tileRows * cols * Float.BYTES)));
    }

    private static int[] weightAt() {
        int[] w = new int[256];
        for (int p = 0; p < 256; p++) {
            int b10 = p & 3;
            int b7 = (p >> 2) & 1;
            int b5 = (p >> 3) & 1;
            int b432 = (p >> 4) & 7;
            int b6 = (p >> 7) & 1;
            w[p] = (b7 << 7) | (b6 << 6) | (b5 << 5) | (b432 << 2) | b10;
        }
        return w;
    }

    /** Whether a batch of {@code tokens} takes this path. */
    static boolean suits(int tokens) {
        return tokens >= minTokens();
    }

    /** The smallest batch this path takes: at least one whole tile, so the padded layout fits the buffers. */
    static int minTokens() {
        return Math.max(MIN_TOKENS, TILE_TOKENS);
    }

    /**
     * Fills the transposed activations, one tile of tokens after another so that a tile's data is
     * contiguous (a power-of-two stride between tokens' rows would thrash the cache's sets): the
     * quant at position {@code p} of block {@code b} for token {@code t} at
     * {@code ((g*cols + b*256 + p) * TILE_TOKENS + t%TILE_TOKENS)} with {@code g = t / TILE_TOKENS},
     * as a float; {@link Activations#dyT} and {@link Activations#ksT} likewise per block (and lane);
     * tokens padded with zeros to whole tiles.
     */
    static void layoutActivations(Activations a, int tokens, int cols) {
        int tPad = (tokens + TILE_TOKENS - 1) / TILE_TOKENS * TILE_TOKENS;
        int blocks = cols / 256;
        float[] yT = a.yT;
        for (int g = 0; g < tPad / TILE_TOKENS; g++) {
            int t0 = g * TILE_TOKENS;
            int real = Math.min(TILE_TOKENS, tokens - t0);
            // position-major within the tile: contiguous writes, reads from TILE_TOKENS rows at once
            for (int i = 0; i < cols; i++) {
                int dst = Activations.YT_PAD + (g * cols + i) * TILE_TOKENS;
                int src = t0 * cols + (i & ~255) + WEIGHT_AT[i & 255];
                for (int j = 0; j < real; j++) {
                    yT[dst + j] = a.qs[src + j * cols];
                }
                for (int j = real; j < TILE_TOKENS; j++) {
                    yT[dst + j] = 0f;
                }
            }
            for (int b = 0; b < blocks; b++) {
                for (int j = 0; j < TILE_TOKENS; j++) {
                    boolean in = j < real;
                    int t = t0 + j;
                    a.dyT[(g * blocks + b) * TILE_TOKENS + j] = in ? a.scales[t * blocks + b] : 0f;
                    for (int lane = 0; lane < 16; lane++) {
                        a.ksT[((g * blocks + b) * 16 + lane) * TILE_TOKENS + j] =
                                in ? a.ksums[(t * blocks + b) * 16 + lane] : 0f;
                    }
                }
            }
        }
    }

    static void q4k(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, true);
    }

    static void q6k(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, false);
    }

    private static void run(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride, boolean q4k) {
        int cols = w.cols();
        int blocks = cols / 256;
        int tokens = a.tokens();
        Scratch scratch = SCRATCH.get();
        scratch.ensure(cols);
        float[] wq = scratch.weights;
        float[] bsc = scratch.blockScales;
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = groupTiles(cols);
        // row groups outside, token tiles inside: a group of row tiles is dequantized once for the
        // whole batch and stays in L2 while every token tile passes over it (token tiles outside
        // and the weights dequantized once per token tile was slower; one row tile per pass read
        // all activations from L3 once per 8 rows)
        for (int rg = r0; rg < r1; rg += group * TILE_ROWS) {
            int tiles = Math.min(group, (r1 - rg + TILE_ROWS - 1) / TILE_ROWS);
            for (int k = 0; k < tiles; k++) {
                for (int i = 0; i < TILE_ROWS; i++) {
                    // a tile past the last row repeats it: same work, same values, stored once
                    long row = Math.min(rg + k * TILE_ROWS + i, r1 - 1) * rowBytes;
                    int ti = k * TILE_ROWS + i;
                    if (q4k) {
                        dequantizeQ4K(data, row, blocks, scratch.row, 0, bsc, ti * blocks * 10);
                    } else {
                        dequantizeQ6K(data, row, blocks, scratch.row, 0, bsc, ti * blocks * 10);
                    }
                    interleave(scratch.row, cols, wq, k * TILE_ROWS * cols, i);
                }
            }
            for (int t0 = 0; t0 < tokens; t0 += TILE_TOKENS) {
                int g = t0 / TILE_TOKENS;
                for (int k = 0; k < tiles; k++) {
                    int rt = rg + k * TILE_ROWS;
                    int wOff = k * TILE_ROWS * cols;
                    int sOff = k * TILE_ROWS * blocks * 10;
                    scaleTokens(blocks, bsc, sOff, a.dyT, g, scratch.blockDy);
                    if (Simd.WIDE) {
                        sums8(blocks, cols, wq, wOff, q4k, a.yT, g, scratch.sums);
                    } else {
                        sums4(blocks, cols, wq, wOff, q4k, a.yT, g, scratch.sums);
                    }
                    for (int i = 0; i < TILE_ROWS && rt + i < r1; i++) {
                        for (int v = 0; v < 2; v++) {
                            foldAndStore(i, v, blocks, scratch.sums, scratch.blockDy, q4k, a.ksT, g, bsc, sOff, t0,
                                    tokens, y, stride, rt + i, scratch.lanes);
                        }
                    }
                }
            }
        }
    }

    /** Row {@code i} of the tile, natural order, into the interleaved position order. */
    private static void interleave(float[] row, int cols, float[] wq, int wOff, int i) {
        for (int b = 0; b < cols; b += 256) {
            for (int p = 0; p < 256; p++) {
                wq[wOff + (b + p) * TILE_ROWS + i] = row[b + WEIGHT_AT[p]];
            }
        }
    }

    /**
     * {@code out[((row*blocks + b)*2 + m)*TILE_TOKENS + t]}: d*dy (m = 0) and -(dmin*dy) (m = 1) of
     * the tile's tokens.
     */
    private static void scaleTokens(int blocks, float[] bsc, int sOff, float[] dyT, int g, float[] out) {
        for (int i = 0; i < TILE_ROWS; i++) {
            for (int b = 0; b < blocks; b++) {
                int s = sOff + (i * blocks + b) * 10;
                int o = (i * blocks + b) * 2 * TILE_TOKENS;
                for (int v = 0; v < 2; v++) {
                    int at = (g * blocks + b) * TILE_TOKENS + v * VL;
                    FloatVector dy = FloatVector.fromArray(FS, dyT, at);
                    dy.mul(bsc[s]).intoArray(out, o + v * VL);
                    dy.mul(bsc[s + 1]).neg().intoArray(out, o + TILE_TOKENS + v * VL);
                }
            }
        }
    }

    /**
     * The exact lane sums of the tile's 8 rows x 2 token vectors for every (block, lane), into
     * {@code sums}: per position, two activation loads and 8 broadcast weights, 16 fma; a lane's
     * two runs of 8 positions walked side by side, so one loop of 8 steps covers the lane.
     */
    private static void sums8(int blocks, int cols, float[] wq, int wOff, boolean q4k, float[] yT, int g, float[] sums) {
        int tt = TILE_TOKENS;
        int gBase = g * cols;
        // a lane's second run of 8: right after the first (Q4_K) or 128 positions on (Q6_K)
        int second = q4k ? 8 : 128;
        for (int b = 0; b < blocks; b++) {
            for (int lane = 0; lane < 16; lane++) {
                int first = b * 256 + (q4k ? lane << 4 : ((lane & 7) << 4) | ((lane >> 3) << 3));
                FloatVector s00 = FloatVector.zero(FS);
                FloatVector s01 = s00;
                FloatVector s10 = FloatVector.zero(FS);
                FloatVector s11 = s10;
                FloatVector s20 = FloatVector.zero(FS);
                FloatVector s21 = s20;
                FloatVector s30 = FloatVector.zero(FS);
                FloatVector s31 = s30;
                FloatVector s40 = FloatVector.zero(FS);
                FloatVector s41 = s40;
                FloatVector s50 = FloatVector.zero(FS);
                FloatVector s51 = s50;
                FloatVector s60 = FloatVector.zero(FS);
                FloatVector s61 = s60;
                FloatVector s70 = FloatVector.zero(FS);
                FloatVector s71 = s70;
                for (int p = first; p < first + 8; p++) {
                    int at = Activations.YT_PAD + (gBase + p) * tt;
                    int bt = at + second * tt;
                    int wa = wOff + p * 8;
                    int wb = wa + second * 8;
                    FloatVector y0 = FloatVector.fromArray(FS, yT, at);
                    FloatVector y1 = FloatVector.fromArray(FS, yT, at + VL);
                    FloatVector z0 = FloatVector.fromArray(FS, yT, bt);
                    FloatVector z1 = FloatVector.fromArray(FS, yT, bt + VL);
                    FloatVector w;
                    w = FloatVector.broadcast(FS, wq[wa]);
                    s00 = w.fma(y0, s00);
                    s01 = w.fma(y1, s01);
                    w = FloatVector.broadcast(FS, wq[wa + 1]);
                    s10 = w.fma(y0, s10);
                    s11 = w.fma(y1, s11);
                    w = FloatVector.broadcast(FS, wq[wa + 2]);
                    s20 = w.fma(y0, s20);
                    s21 = w.fma(y1, s21);
                    w = FloatVector.broadcast(FS, wq[wa + 3]);
                    s30 = w.fma(y0, s30);
                    s31 = w.fma(y1, s31);
                    w = FloatVector.broadcast(FS, wq[wa + 4]);
                    s40 = w.fma(y0, s40);
                    s41 = w.fma(y1, s41);
                    w = FloatVector.broadcast(FS, wq[wa + 5]);
                    s50 = w.fma(y0, s50);
                    s51 = w.fma(y1, s51);
                    w = FloatVector.broadcast(FS, wq[wa + 6]);
                    s60 = w.fma(y0, s60);
                    s61 = w.fma(y1, s61);
                    w = FloatVector.broadcast(FS, wq[wa + 7]);
                    s70 = w.fma(y0, s70);
                    s71 = w.fma(y1, s71);
                    w = FloatVector.broadcast(FS, wq[wb]);
                    s00 = w.fma(z0, s00);
                    s01 = w.fma(z1, s01);
                    w = FloatVector.broadcast(FS, wq[wb + 1]);
                    s10 = w.fma(z0, s10);
                    s11 = w.fma(z1, s11);
                    w = FloatVector.broadcast(FS, wq[wb + 2]);
                    s20 = w.fma(z0, s20);
                    s21 = w.fma(z1, s21);
                    w = FloatVector.broadcast(FS, wq[wb + 3]);
                    s30 = w.fma(z0, s30);
                    s31 = w.fma(z1, s31);
                    w = FloatVector.broadcast(FS, wq[wb + 4]);
                    s40 = w.fma(z0, s40);
                    s41 = w.fma(z1, s41);
                    w = FloatVector.broadcast(FS, wq[wb + 5]);
                    s50 = w.fma(z0, s50);
                    s51 = w.fma(z1, s51);
                    w = FloatVector.broadcast(FS, wq[wb + 6]);
                    s60 = w.fma(z0, s60);
                    s61 = w.fma(z1, s61);
                    w = FloatVector.broadcast(FS, wq[wb + 7]);
                    s70 = w.fma(z0, s70);
                    s71 = w.fma(z1, s71);
                }
                int at = sumsAt(b, 0) + lane * VL;
                s00.intoArray(sums, at + 0 * RUN);
                s01.intoArray(sums, at + 1 * RUN);
                s10.intoArray(sums, at + 2 * RUN);
                s11.intoArray(sums, at + 3 * RUN);
                s20.intoArray(sums, at + 4 * RUN);
                s21.intoArray(sums, at + 5 * RUN);
                s30.intoArray(sums, at + 6 * RUN);
                s31.intoArray(sums, at + 7 * RUN);
                s40.intoArray(sums, at + 8 * RUN);
                s41.intoArray(sums, at + 9 * RUN);
                s50.intoArray(sums, at + 10 * RUN);
                s51.intoArray(sums, at + 11 * RUN);
                s60.intoArray(sums, at + 12 * RUN);
                s61.intoArray(sums, at + 13 * RUN);
                s70.intoArray(sums, at + 14 * RUN);
                s71.intoArray(sums, at + 15 * RUN);
            }
        }
    }

    /**
     * The exact lane sums of the tile's 4 rows x 2 token vectors for every (block, lane), into
     * {@code sums}: per position, two activation loads and 4 broadcast weights, 8 fma; a lane's
     * two runs of 8 positions walked side by side, so one loop of 8 steps covers the lane.
     */
    private static void sums4(int blocks, int cols, float[] wq, int wOff, boolean q4k, float[] yT, int g, float[] sums) {
        int tt = TILE_TOKENS;
        int gBase = g * cols;
        // a lane's second run of 8: right after the first (Q4_K) or 128 positions on (Q6_K)
        int second = q4k ? 8 : 128;
        for (int b = 0; b < blocks; b++) {
            for (int lane = 0; lane < 16; lane++) {
                int first = b * 256 + (q4k ? lane << 4 : ((lane & 7) << 4) | ((lane >> 3) << 3));
                FloatVector s00 = FloatVector.zero(FS);
                FloatVector s01 = s00;
                FloatVector s10 = FloatVector.zero(FS);
                FloatVector s11 = s10;
                FloatVector s20 = FloatVector.zero(FS);
                FloatVector s21 = s20;
                FloatVector s30 = FloatVector.zero(FS);
                FloatVector s31 = s30;
                for (int p = first; p < first + 8; p++) {
                    int at = Activations.YT_PAD + (gBase + p) * tt;
                    int bt = at + second * tt;
                    int wa = wOff + p * 4;
                    int wb = wa + second * 4;
                    FloatVector y0 = FloatVector.fromArray(FS, yT, at);
                    FloatVector y1 = FloatVector.fromArray(FS, yT, at + VL);
                    FloatVector z0 = FloatVector.fromArray(FS, yT, bt);
                    FloatVector z1 = FloatVector.fromArray(FS, yT, bt + VL);
                    FloatVector w;
                    w = FloatVector.broadcast(FS, wq[wa]);
                    s00 = w.fma(y0, s00);
                    s01 = w.fma(y1, s01);
                    w = FloatVector.broadcast(FS, wq[wa + 1]);
                    s10 = w.fma(y0, s10);
                    s11 = w.fma(y1, s11);
                    w = FloatVector.broadcast(FS, wq[wa + 2]);
                    s20 = w.fma(y0, s20);
                    s21 = w.fma(y1, s21);
                    w = FloatVector.broadcast(FS, wq[wa + 3]);
                    s30 = w.fma(y0, s30);
                    s31 = w.fma(y1, s31);
                    w = FloatVector.broadcast(FS, wq[wb]);
                    s00 = w.fma(z0, s00);
                    s01 = w.fma(z1, s01);
                    w = FloatVector.broadcast(FS, wq[wb + 1]);
                    s10 = w.fma(z0, s10);
                    s11 = w.fma(z1, s11);
                    w = FloatVector.broadcast(FS, wq[wb + 2]);
                    s20 = w.fma(z0, s20);
                    s21 = w.fma(z1, s21);
                    w = FloatVector.broadcast(FS, wq[wb + 3]);
                    s30 = w.fma(z0, s30);
                    s31 = w.fma(z1, s31);
                }
                int at = sumsAt(b, 0) + lane * VL;
                s00.intoArray(sums, at + 0 * RUN);
                s01.intoArray(sums, at + 1 * RUN);
                s10.intoArray(sums, at + 2 * RUN);
                s11.intoArray(sums, at + 3 * RUN);
                s20.intoArray(sums, at + 4 * RUN);
                s21.intoArray(sums, at + 5 * RUN);
                s30.intoArray(sums, at + 6 * RUN);
                s31.intoArray(sums, at + 7 * RUN);
            }
        }
    }

    /**
     * The lane accumulators of tile row {@code i}, token vector {@code v}: for each block, in order,
     * the canonical lane {@code j} (0..7) is the stored half-lanes {@code j} and {@code j+8} added
     * (exact integers), {@code acc_j = fma(d*dy, S_j + S_{j+8}, acc_j)}, then (Q4_K)
     * {@code acc_j = fma(-(dmin*dy), min_j * (bsum_{2j} + bsum_{2j+1}), acc_j)} (the stored bsums of
     * half-lanes j and j+8 added, exact); then the canonical tree over the 8 lanes, stored into {@code y}.
     */
    private static void foldAndStore(int i, int v, int blocks, float[] sums, float[] bdy, boolean q4k, float[] ksT,
            int g, float[] bsc, int sOff, int t0, int tokens, float[] y, int stride, int row, float[] lanes) {
        int tt = TILE_TOKENS;
        FloatVector zero = FloatVector.zero(FS);
        FloatVector a0 = zero;
        FloatVector a1 = zero;
        FloatVector a2 = zero;
        FloatVector a3 = zero;
        FloatVector a4 = zero;
        FloatVector a5 = zero;
        FloatVector a6 = zero;
        FloatVector a7 = zero;
        for (int b = 0; b < blocks; b++) {
            int di = (i * blocks + b) * 2 * tt + v * VL;
            FloatVector d = FloatVector.fromArray(FS, bdy, di);
            int si = sumsAt(b, 2 * i + v);
            a0 = pair(sums, si + 0 * VL, 8 * VL).fma(d, a0);
            a1 = pair(sums, si + 1 * VL, 8 * VL).fma(d, a1);
            a2 = pair(sums, si + 2 * VL, 8 * VL).fma(d, a2);
            a3 = pair(sums, si + 3 * VL, 8 * VL).fma(d, a3);
            a4 = pair(sums, si + 4 * VL, 8 * VL).fma(d, a4);
            a5 = pair(sums, si + 5 * VL, 8 * VL).fma(d, a5);
            a6 = pair(sums, si + 6 * VL, 8 * VL).fma(d, a6);
            a7 = pair(sums, si + 7 * VL, 8 * VL).fma(d, a7);
            if (q4k) {
                FloatVector m = FloatVector.fromArray(FS, bdy, di + tt);
                int ki = (g * blocks + b) * 16 * tt + v * VL;
                int mi = sOff + (i * blocks + b) * 10 + 2;
                a0 = pair(ksT, ki + 0 * tt, 8 * tt).mul(bsc[mi + 0]).fma(m, a0);
                a1 = pair(ksT, ki + 1 * tt, 8 * tt).mul(bsc[mi + 1]).fma(m, a1);
                a2 = pair(ksT, ki + 2 * tt, 8 * tt).mul(bsc[mi + 2]).fma(m, a2);
                a3 = pair(ksT, ki + 3 * tt, 8 * tt).mul(bsc[mi + 3]).fma(m, a3);
                a4 = pair(ksT, ki + 4 * tt, 8 * tt).mul(bsc[mi + 4]).fma(m, a4);
                a5 = pair(ksT, ki + 5 * tt, 8 * tt).mul(bsc[mi + 5]).fma(m, a5);
                a6 = pair(ksT, ki + 6 * tt, 8 * tt).mul(bsc[mi + 6]).fma(m, a6);
                a7 = pair(ksT, ki + 7 * tt, 8 * tt).mul(bsc[mi + 7]).fma(m, a7);
            }
        }
        // tree16 of the 8 lanes and 8 zeros is tree8: its first level (lane + zero) changes nothing
        FloatVector g0 = a0.add(a4);
        FloatVector g1 = a1.add(a5);
        FloatVector g2 = a2.add(a6);
        FloatVector g3 = a3.add(a7);
        // one store and scalar copies: lane(j) with a variable j is a 16-way switch per element
        float[] out = lanes;
        g0.add(g2).add(g1.add(g3)).intoArray(out, 0);
        int real = Math.min(VL, tokens - t0 - v * VL);
        for (int j = 0, at = (t0 + v * VL) * stride + row; j < real; j++, at += stride) {
            y[at] = out[j];
        }
    }

    /** A canonical lane's two stored half-lanes added: exact, both are integers whose sum is below 2^24. */
    private static FloatVector pair(float[] a, int at, int apart) {
        return FloatVector.fromArray(FS, a, at).add(FloatVector.fromArray(FS, a, at + apart));
    }

    /**
     * Row {@code q*scale} values of Q4_K blocks in natural weight order, and per block d, dmin and
     * the eight mins at {@code scales[sOff + 10*b ..]}.
     */
    static void dequantizeQ4K(MemorySegment w, long row, int blocks, float[] out, int off, float[] scales,
            int sOff) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q4KKernel.BLOCK_BYTES;
            long sc = q4kHeader(w, blk, scales, sOff + 10 * b);
            for (int c = 0; c < 4; c++) {
                float lo = (sc >>> (16 * c)) & 0xFF;
                float hi = (sc >>> (16 * c + 8)) & 0xFF;
                for (int i = 0; i < 32; i += VL) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(BS, w, blk + Q4KKernel.QS + 32 * c + i,
                            Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    int o = off + b * 256 + 64 * c + i;
                    ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).mul(lo).intoArray(out, o);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(hi)
                            .intoArray(out, o + 32);
                }
            }
        }
    }

    /**
     * A Q4_K block's d, dmin and eight mins into {@code scales[s .. s+9]}; returns its eight 6-bit
     * scales, one per byte ({@link Q4KKernel#packedScales}).
     */
    static long q4kHeader(MemorySegment w, long blk, float[] scales, int s) {
        long lo8 = w.get(Simd.LONG_LE, blk + Q4KKernel.SCALES);
        int hi4 = w.get(Simd.INT_LE, blk + Q4KKernel.SCALES + 8);
        long mn = Q4KKernel.packedMins(lo8, hi4);
        scales[s] = Bytes.f16(w, blk + Q4KKernel.D);
        scales[s + 1] = Bytes.f16(w, blk + Q4KKernel.DMIN);
        for (int j = 0; j < 8; j++) {
            scales[s + 2 + j] = (mn >>> (8 * j)) & 0xFF;
        }
        return Q4KKernel.packedScales(lo8, hi4);
    }

    /** Row {@code (q-32)*scale} values of Q6_K blocks in natural weight order, and per block d. */
    static void dequantizeQ6K(MemorySegment w, long row, int blocks, float[] out, int off, float[] scales,
            int sOff) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q6KKernel.BLOCK_BYTES;
            scales[sOff + 10 * b] = Bytes.f16(w, blk + Q6KKernel.D);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += VL) {
                    // weights 128h + l + 32*quarter, quarter 0..3 (see the block layout above)
                    IntVector ql0 = (IntVector) ByteVector.fromMemorySegment(BS, w, blk + Q6KKernel.QL + 64 * h + l,
                            Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector ql1 = (IntVector) ByteVector
                            .fromMemorySegment(BS, w, blk + Q6KKernel.QL + 64 * h + 32 + l, Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(BS, w, blk + Q6KKernel.QH + 32 * h + l,
                            Simd.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    for (int quarter = 0; quarter < 4; quarter++) {
                        IntVector ql = quarter % 2 == 0 ? ql0 : ql1;
                        IntVector low = quarter < 2 ? ql.and(0xF) : ql.lanewise(VectorOperators.LSHR, 4);
                        IntVector q = low.or(qh.lanewise(VectorOperators.LSHR, 2 * quarter).and(3)
                                .lanewise(VectorOperators.LSHL, 4))
                                .sub(32);
                        int i = 128 * h + 32 * quarter + l;
                        // l .. l+VL-1 stay within one 16-weight scale group
                        float scale = Bytes.i8(w, blk + Q6KKernel.SCALES + i / 16);
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).intoArray(out, off + b * 256 + i);
                    }
                }
            }
        }
    }
}
