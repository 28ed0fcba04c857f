package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The K-quant batch (prefill) path with rows, not tokens, across the vector lanes: one vector
 * holds a weight of 16 rows (8 at 256 bits), each token's activation is broadcast to it, and a
 * tile of 32 rows x 6 tokens (16 x 4 at 256 bits) keeps its 12 (8) exact lane sums and (at 512
 * bits) its 12 canonical lane accumulators in registers for a whole lane of the row (ggml's and
 * BLAS's usual register block, broadcasting the narrow side).
 *
 * <p>Why: {@link KQuantGemm} puts tokens in the lanes and broadcasts the weights, so each canonical
 * half-lane is a loop of 8 steps that ends in 16 stores of its sums, folded in a second pass; perf
 * put its fma loop at about half the fma ports' rate and the fold and stores at a third of the
 * call. Here a canonical lane of one block is 32 products in 16 steps in registers, folded in
 * registers, and the lane-outer order (each lane over all blocks of the row) keeps the
 * accumulators there too.
 *
 * <p>Same bits as the reference: each lane sum {@code S_L} is 32 products of exact integers below
 * 2^24 (so exact in any order); then per block, in order, {@code acc_L = fma(d*dy, S_L, acc_L)} and
 * (Q4_K) {@code acc_L = fma(-(dmin*dy), min_L*ksum_L, acc_L)}; then the canonical tree of the 8
 * lanes, done lane-wise across accumulator vectors. The fold is what the canonical order costs
 * over a plain fma loop: with 16-weight lanes (until 2026-11-25) it ran every 8 steps, and a pass's
 * row GEMMs took about a tenth longer (bench/KERNELS.md, twenty-sixth session).
 *
 * <p>Layouts: the tile's weights at {@code wq[(((L*blocks + b)*16 + k)*2 + p)*32 + r]} (lane
 * {@code L}, block {@code b}, step {@code k} of the lane's stream {@code p}, row {@code r}); the
 * activations of token tile {@code g} stream by stream ({@link #runStart}), so that a lane's
 * two streams over all blocks of the row are linear. One flat loop over (block, step) with the
 * fold in an {@code if} every 16 steps: a loop per block paid C2's loop entry (pre-loop, checks)
 * every 8 steps and ran 20 % slower. The tile's weights are decoded straight into the
 * layout, 16 rows at a time, from gathered packed ints ({@link #interleaveQ4K},
 * {@link #interleaveQ6K}); dequantizing rows one by one and gathering the floats took 8 (Q4_K)
 * or 4 (Q6_K) times the gathers, and a scalar interleave before that wrote each cache line 32
 * times and cost more than the fma at 64 tokens.
 *
 * <p>Measured with 16-weight lanes (one thread, hot, {@code tile} alone): on the Intel Xeon of the eighth session 3.6
 * fma per ns against 5.3 for a loop of the same loads and fma without the per-block fold and reset
 * (the fma ports' rate there); on the AMD EPYC Zen 5, Q4_K 5.2-5.4 and Q6_K 6.0-6.1 against 6.9,
 * 91-93 % of what the canonical fold's 3 (Q4_K) or 1 extra operations per 16 products leave.
  */
final class KQuantRowGemm {
    private static final VectorSpecies<Float> FS = Simd.WIDE ? Simd.F512 : Simd.F256;
    private static final VectorSpecies<Integer> IS = Simd.WIDE ? Simd.I512 : Simd.I256;
    /** Bytes that convert to one float vector. */
    private static final VectorSpecies<Byte> BS = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int VL = FS.length();
    /** Ints per Q4_K block (144 bytes). */
    private static final int Q4K_INTS = Q4KKernel.BLOCK_BYTES / 4;
    /** Ints of a Q6_K block's ql, qh and scales (208 of its 210 bytes; d is read apart). */
    private static final int Q6K_INTS = Q6KKernel.D / 4;
    /** Rows per tile: two vectors. */
    static final int RT = 2 * VL;
    /**
     * Tokens per tile: at 512 bits 2 x 6 sums and 2 x 6 accumulators take 24 of AVX-512's 32
     * registers; at 256 bits 2 x 4 sums, two weights and a broadcast take 11 of AVX2's 16, the
     * accumulators in memory ({@link #tile256}).
     */
    static final int TT = Simd.WIDE ? 6 : 4;

    /** The natural index (within its 256-weight block) of lane L's k-th weight, per type: [q4k ? 0 : 1][L * 16 + k]. */
    private static final int[][] LANE_WEIGHTS = {laneWeights(true), laneWeights(false)};
    /**
     * Q4_K, per lane {@code L} and nibble {@code u = 8*cc + 4*nibble + e} of the lane's two packed ints
     * (chunk {@code L/8 + 2*cc}, byte {@code e}, low or high nibble): the step {@code 8*h + k} of the
     * lane's layout it goes to ({@link #LANE_WEIGHTS} inverted).
     */
    private static final int[] Q4K_STEP = steps(true);
    /**
     * Q6_K, per lane {@code L} and {@code u = 8*half + 4*nibble + e} (byte {@code e} of the lane's ql
     * and qh ints of that half, low or high nibble): the step {@code 8*h + k} it goes to.
     */
    private static final int[] Q6K_STEP = steps(false);

    /**
     * The smallest batch this path takes ({@code -Djllm.rowGemm.minTokens}; 0 turns it off, and
     * {@link KQuantGemm} takes these batches: its minimum is the same). Below it {@link KQuantSmallBatch} is
     * faster: dequantizing and laying out every row costs the same per call whatever the batch.
     * One thread, calibration cycles per block and token, this path against the small-batch kernel:
     * Q4_K 3072x1024 64 tokens 27.7 vs 22.2, 128: 22.8 vs 20.8, 256: 19.9 vs 22.9, 512: 18.3 vs
     * 24.9 (the tokens-in-lanes GEMM: 25.1-26.1); Q4_K 1024x3072 256: 18.3 vs 30.1; Q6_K 1024x3072
     * 512: 22.0 vs 25.3 (GEMM 26.0). At 256 bits (AMD EPYC, AVX2), one JVM each, noisy: Q4_K
     * 3072x1024 128 tokens 45.7 against the small-batch kernel's 37.4 and the GEMM's 41.3; 256:
     * 33.7 vs 44.2; 512: 33.2 vs 35.2 (GEMM 40.5-47.8); Q6_K 512: 23.8-29.2 vs 37.5 (GEMM 31.7-32.6),
     * so from 192 there.
     */
    static final int MIN_TOKENS = Integer.getInteger("jllm.rowGemm.minTokens", Simd.WIDE ? 256 : 192);

    /**
     * Dequantized weights kept per group of row tiles, in KiB ({@code -Djllm.rowGemm.groupKiB}):
     * each token tile's activations are read once per group, and the group's weights are read once
     * per token tile, so they must stay in L2. On the Intel Xeon of the eighth session (2 MiB of
     * L2) 1 MiB ran faster than 256 KiB (Q4_K 3072x1024, 512 tokens, one thread: 18.1 and 19.3
     * calibration cycles per block and token against 20.4). On the AMD EPYC Zen 5 (1 MiB of L2)
     * 1 MiB is all of L2 and the weights streamed from L3: 14.5-15.5 against 9.7-12.7 at 256 KiB
     * (both shapes, four JVMs each), and pp512 0.85-0.88x of llama.cpp against 0.90-1.01x in
     * alternating runs. 256 KiB is the default; raise it where L2 is 2 MiB or more.
     */
    static final int GROUP_KIB = Integer.getInteger("jllm.rowGemm.groupKiB", 256);
    /**
     * Where the weights start in their scratch array, whose loads are then 64-byte aligned
     * ({@link AlignedFloats}). Hot, one thread: 3.59 fma per ns aligned against 3.29 at the usual
     * 16-byte offset; Q4_K 3072x1024 at 512 tokens 15.7-15.9 calibration cycles per block and
     * token against 18.3.
     */
    private static final int WPAD = AlignedFloats.PAD;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private KQuantRowGemm() {
    }

    /** Whether a batch of {@code tokens} takes this path. */
    static boolean suits(int tokens) {
        return MIN_TOKENS > 0 && tokens >= Math.max(MIN_TOKENS, TT);
    }

    /** Row tiles per group for rows of {@code cols} weights (see {@link #GROUP_KIB}); shared with {@link Block32RowGemm}. */
    static int groupTiles(int cols) {
        return Math.max(1, Math.min(64, GROUP_KIB * 1024 / (RT * cols * Float.BYTES)));
    }

    private static int[] laneWeights(boolean q4k) {
        int[] out = new int[256];
        for (int lane = 0; lane < 16; lane++) {
            // the positions of the lane in KQuantGemm's position order: one run of 16 (Q4_K), or
            // two runs of 8, 128 apart (Q6_K)
            int first = q4k ? lane << 4 : ((lane & 7) << 4) | ((lane >> 3) << 3);
            for (int k = 0; k < 16; k++) {
                int p = q4k ? first + k : first + (k & 7) + (k >> 3) * 128;
                out[lane * 16 + k] = KQuantGemm.WEIGHT_AT[p];
            }
        }
        return out;
    }

    private static int[] steps(boolean q4k) {
        int[] steps = new int[256];
        for (int lane = 0; lane < 16; lane++) {
            for (int u = 0; u < 16; u++) {
                int half = u >> 3;
                int nibble = (u >> 2) & 1;
                int e = u & 3;
                // Q4_K: chunk lane/8 + 2*half; Q6_K: half's quarter 2*nibble + lane/8
                int natural = q4k
                        ? 64 * (lane / 8 + 2 * half) + 32 * nibble + 4 * (lane % 8) + e
                        : 128 * half + 32 * (2 * nibble + lane / 8) + 4 * (lane % 8) + e;
                int step = -1;
                for (int kk = 0; kk < 16; kk++) {
                    if (LANE_WEIGHTS[q4k ? 0 : 1][lane * 16 + kk] == natural) {
                        step = kk;
                    }
                }
                if (step < 0) {
                    throw new IllegalStateException("weight " + natural + " is not in lane " + lane);
                }
                steps[lane * 16 + u] = step;
            }
        }
        return steps;
    }

    private static final class Scratch {
        float[] weights = new float[0];
        /**
         * The tile's rows of packed blocks as little-endian ints, row i from {@code rawIndex[i]}
         * (Q4_K) or {@code raw6Index[i]} (Q6_K, whose blocks are copied one by one, 52 ints apart).
         */
        int[] raw = new int[0];
        /** Where each raw row starts, for the gathers. */
        final int[] rawIndex = new int[RT];
        final int[] raw6Index = new int[RT];
        /**
         * Per block and scale group j, the tile's rows' scales: {@code [(b*16 + j)*RT + i]} (Q4_K's
         * eight 6-bit scales, Q6_K's sixteen int8 ones).
         */
        float[] subScales = new float[0];
        /** Per tile row and block: d, dmin and the eight mins (as the dequantizers write them). */
        float[] blockScales = new float[0];
        /** Per tile, block and m, 32 rows: m = 0 d, 1 -dmin, 2..9 the mins. */
        float[] rowScales = new float[0];
        /** Per block, token and m, 32 rows: m = 0 d*dy, 1 -(dmin*dy). */
        float[] tokenScales = new float[0];
        /** The lane accumulators of one tile: (lane * 12 + rv * 6 + t) * 16 (8 lanes; 16 for {@link Block32RowGemm}). */
        final float[] lanes = new float[16 * 2 * TT * VL];
        final float[] out = new float[RT];

        void ensure(int cols) {
            int blocks = cols / 256;
            int rows = groupTiles(cols) * RT;
            if (weights.length < WPAD + rows * cols) {
                weights = AlignedFloats.allocate(rows * cols);
            }
            if (rawIndex[1] != blocks * Q4K_INTS) {
                // the gathers' row starts follow the row length, which changes from call to call
                for (int i = 0; i < RT; i++) {
                    rawIndex[i] = i * blocks * Q4K_INTS;
                    raw6Index[i] = i * blocks * Q6K_INTS;
                }
            }
            if (raw.length < RT * blocks * Q6K_INTS) {
                raw = new int[RT * blocks * Q6K_INTS];
                subScales = new float[blocks * 16 * RT];
                blockScales = new float[RT * blocks * 10];
                tokenScales = new float[blocks * TT * 2 * RT];
            }
            if (rowScales.length < rows * blocks * 10) {
                rowScales = new float[rows * blocks * 10];
            }
        }
    }

    /**
     * Fills the activations' layout for this path in {@link Activations#yT}: the positions of
     * {@link KQuantGemm#WEIGHT_AT}'s order in runs of 8 (every canonical lane of either type is four
     * runs), token {@code t} of tile {@code g} at step {@code k} of run {@code run} of block {@code b}
     * at {@link #runStart} {@code + k*6 + t}; the Q8_K scales in {@link Activations#dyT} at
     * {@code (g*blocks + b)*6 + t} and each lane's sum of its 32 quants in {@link Activations#ksT} at
     * {@code ((g*blocks + b)*8 + L)*6 + t}; tokens padded with zeros to a whole tile. Token tiles
     * {@code g0 .. g1-1} of {@link #tiles}, so that threads can share the work.
     *
     * <p>Per tile and block, the tile's quants are first converted to floats in a small staging
     * buffer ({@code t*256 + weight}, in L1), and each run's {@code 8*TT} floats are then gathered
     * from it in {@link #LAYOUT_GATHER}'s order. Byte by byte (a load, a conversion and a store per
     * value, strided across the tile's tokens) this took 0.87-1.23 ns per value against 0.43-0.81
     * (one thread, 512 tokens, 1024 and 3072 columns).
     */
    static void layoutActivations(Activations a, int tokens, int cols, int g0, int g1) {
        int blocks = cols / 256;
        float[] yT = a.yT;
        byte[] qs = a.qs;
        float[] stage = STAGE.get();
        for (int g = g0; g < g1; g++) {
            int t0 = g * TT;
            int real = Math.min(TT, tokens - t0);
            if (real < TT) {
                java.util.Arrays.fill(stage, real * 256, TT * 256, 0f);
            }
            for (int b = 0; b < blocks; b++) {
                for (int t = 0; t < real; t++) {
                    stageBlock(qs, (t0 + t) * cols + b * 256, stage, t * 256);
                }
                for (int run = 0; run < 32; run++) {
                    gatherRun(stage, run, yT, runStart(g, run, blocks, b));
                }
            }
            for (int b = 0; b < blocks; b++) {
                for (int t = 0; t < TT; t++) {
                    boolean in = t < real;
                    a.dyT[(g * blocks + b) * TT + t] = in ? a.scales[(t0 + t) * blocks + b] : 0f;
                    int ks = ((t0 + t) * blocks + b) * 16;
                    for (int lane = 0; lane < 8; lane++) {
                        // the lane's two halves' sums, as one exact integer
                        a.ksT[((g * blocks + b) * 8 + lane) * TT + t] =
                                in ? a.ksums[ks + lane] + a.ksums[ks + lane + 8] : 0f;
                    }
                }
            }
        }
    }

    /**
     * Where run {@code run} of block {@code b} of token tile {@code g} starts in {@link Activations#yT}.
     * Run {@code r = 2*lane + p + 16*u} (every canonical lane of either type is four runs: its two
     * halves' two runs each) lies in stream {@code p} of the lane, a block's 16 steps of that stream
     * being run {@code 2*lane + p}'s 8 then run {@code 2*lane + p + 16}'s 8. So {@link #tile} walks
     * both streams of a lane linearly, block after block, and folds every 16 steps.
     */
    static int runStart(int g, int run, int blocks, int b) {
        int lane = (run & 15) >> 1;
        int stream = run & 1;
        int u = run >> 4;
        return Activations.YT_PAD + ((((g * 8 + lane) * 2 + stream) * blocks + b) * 16 + u * 8) * TT;
    }

    /**
     * One token's block of quants as floats into the stage. Kept apart from {@link #gatherRun}: with
     * both loops in {@link #layoutActivations} C2 left a Vector API call out of line in some JVMs,
     * and the layout took 2.0-2.9 ns per value in 4 of 6 fresh JVMs (0.56-0.81 in 6 of 6 apart).
     */
    private static void stageBlock(byte[] qs, int src, float[] stage, int to) {
        for (int j = 0; j < 256; j += VL) {
            ((FloatVector) ByteVector.fromArray(BS, qs, src + j).convertShape(VectorOperators.B2F, FS, 0))
                    .intoArray(stage, to + j);
        }
    }

    /** Run {@code run}'s {@code 8*TT} floats of the staged tile into the layout at {@code dst}. */
    private static void gatherRun(float[] stage, int run, float[] yT, int dst) {
        for (int v = 0; v < 8 * TT; v += VL) {
            FloatVector.fromArray(FS, stage, 0, LAYOUT_GATHER, run * 8 * TT + v).intoArray(yT, dst + v);
        }
    }

    /**
     * Where {@link #layoutActivations} gathers each run's floats from: {@code t*256 + WEIGHT_AT[run*8 + k]}
     * at {@code (run*8 + k)*TT + t}.
     */
    private static final int[] LAYOUT_GATHER = layoutGather();

    private static int[] layoutGather() {
        int[] gather = new int[32 * 8 * TT];
        for (int run = 0; run < 32; run++) {
            for (int k = 0; k < 8; k++) {
                for (int t = 0; t < TT; t++) {
                    gather[(run * 8 + k) * TT + t] = t * 256 + KQuantGemm.WEIGHT_AT[run * 8 + k];
                }
            }
        }
        return gather;
    }

    /** One tile's quants as floats, per thread: {@code t*256 + weight}. */
    private static final ThreadLocal<float[]> STAGE = ThreadLocal.withInitial(() -> new float[TT * 256]);

    /** Token tiles of a batch. */
    static int tiles(int tokens) {
        return (tokens + TT - 1) / TT;
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
        Scratch s = SCRATCH.get();
        s.ensure(cols);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = groupTiles(cols);
        for (int rg = r0; rg < r1; rg += group * RT) {
            int tiles = Math.min(group, (r1 - rg + RT - 1) / RT);
            for (int k = 0; k < tiles; k++) {
                if (q4k) {
                    for (int i = 0; i < RT; i++) {
                        // rows past the last repeat it: same work, stored once
                        long row = Math.min(rg + k * RT + i, r1 - 1) * rowBytes;
                        q4kRow(data, row, blocks, s, i);
                    }
                    interleaveQ4K(s, blocks, s.weights, WPAD + k * RT * cols);
                } else {
                    for (int i = 0; i < RT; i++) {
                        long row = Math.min(rg + k * RT + i, r1 - 1) * rowBytes;
                        q6kRow(data, row, blocks, s, i);
                    }
                    interleaveQ6K(s, blocks, s.weights, WPAD + k * RT * cols);
                }
                for (int b = 0; b < blocks; b++) {
                    for (int m = 0; m < 10; m++) {
                        int at = ((k * blocks + b) * 10 + m) * RT;
                        for (int i = 0; i < RT; i++) {
                            float v = s.blockScales[i * blocks * 10 + b * 10 + m];
                            s.rowScales[at + i] = m == 1 ? -v : v;
                        }
                    }
                }
            }
            for (int t0 = 0, g = 0; t0 < tokens; t0 += TT, g++) {
                for (int k = 0; k < tiles; k++) {
                    int rt = rg + k * RT;
                    scaleTokens(blocks, s.rowScales, k * blocks * 10 * RT, a.dyT, g, s.tokenScales, q4k);
                    if (Simd.WIDE) {
                        tile(blocks, s.weights, WPAD + k * RT * cols, a.yT, a.ksT, g, s.rowScales,
                                k * blocks * 10 * RT, s.tokenScales, q4k, s.lanes);
                    } else {
                        tile256(blocks, s.weights, WPAD + k * RT * cols, a.yT, a.ksT, g, s.rowScales,
                                k * blocks * 10 * RT, s.tokenScales, q4k, s.lanes);
                    }
                    store(s.lanes, 8, TT, s.out, y, stride, rt, r1, t0, Math.min(TT, tokens - t0));
                }
            }
        }
    }

    /**
     * Row {@code i} of the tile, Q4_K: its packed blocks copied as ints into {@link Scratch#raw}, and
     * per block d, dmin and the eight mins into {@link Scratch#blockScales} ({@link KQuantGemm#q4kHeader})
     * and the eight scales into {@link Scratch#subScales}.
     */
    private static void q4kRow(MemorySegment w, long row, int blocks, Scratch s, int i) {
        MemorySegment.copy(w, Simd.INT_LE, row, s.raw, s.rawIndex[i], blocks * Q4K_INTS);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q4KKernel.BLOCK_BYTES;
            long sc = KQuantGemm.q4kHeader(w, blk, s.blockScales, (i * blocks + b) * 10);
            for (int j = 0; j < 8; j++) {
                s.subScales[(b * 16 + j) * RT + i] = (sc >>> (8 * j)) & 0xFF;
            }
        }
    }

    /**
     * The tile's Q4_K rows straight into the lane-major layout: per block, lane and half of the rows,
     * the lane's two packed ints of every row in two gathers (8 weights each), each nibble shifted
     * out, made a float and scaled by its sub-block's scale ({@code q*scale}, exact, the same value as
     * {@link KQuantGemm#dequantizeQ4K}'s). Dequantizing rows one by one and gathering the floats
     * took 16 gathers where this takes 2.
     */
    private static void interleaveQ4K(Scratch s, int blocks, float[] wq, int wOff) {
        int[] raw = s.raw;
        int[] rawIndex = s.rawIndex;
        float[] subScales = s.subScales;
        for (int b = 0; b < blocks; b++) {
            for (int lane = 0; lane < 16; lane++) {
                // the lane's int in chunk lane/8 (its 32 bytes start at int 4 + 8*chunk of the block);
                // chunk lane/8 + 2 is 16 ints on
                int first = b * Q4K_INTS + 4 + 8 * (lane >> 3) + (lane & 7);
                // half-lane L is the canonical lane L%8's runs 2L%16 (step slot 0) and 2L%16+1 (slot 1),
                // its second 8 steps of a block when L >= 8 (see runStart)
                int dst = wOff + (lane & 7) * blocks * 32 * RT + b * 32 * RT + (lane >> 3) * 16 * RT;
                for (int rv = 0; rv < RT; rv += VL) {
                    for (int cc = 0; cc < 2; cc++) {
                        IntVector x = IntVector.fromArray(IS, raw, first + 16 * cc, rawIndex, rv);
                        int sub = 2 * (lane / 8 + 2 * cc);
                        for (int nibble = 0; nibble < 2; nibble++) {
                            FloatVector scale = FloatVector.fromArray(FS, subScales, (b * 16 + sub + nibble) * RT + rv);
                            FloatVector bias = scale.mul(-0x1p23f);
                            for (int e = 0; e < 4; e++) {
                                int kk = Q4K_STEP[lane * 16 + 8 * cc + 4 * nibble + e];
                                // 2^23 + q as a float, times the scale, less 2^23 times the scale
                                // (KQuantSmallBatch.MAGIC): q*scale, one rounding of an exact integer
                                x.lanewise(VectorOperators.LSHR, 8 * e + 4 * nibble).and(0xF)
                                        .or(KQuantSmallBatch.MAGIC).reinterpretAsFloats().fma(scale, bias)
                                        .intoArray(wq, dst + ((kk & 7) * 2 + (kk >> 3)) * RT + rv);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Row {@code i} of the tile, Q6_K: each block's ql, qh and scales copied as 52 ints into
     * {@link Scratch#raw}, its d into {@link Scratch#blockScales} and its sixteen scales into
     * {@link Scratch#subScales}.
     */
    private static void q6kRow(MemorySegment w, long row, int blocks, Scratch s, int i) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q6KKernel.BLOCK_BYTES;
            MemorySegment.copy(w, Simd.INT_LE, blk, s.raw, s.raw6Index[i] + b * Q6K_INTS, Q6K_INTS);
            s.blockScales[(i * blocks + b) * 10] = Bytes.f16(w, blk + Q6KKernel.D);
            for (int j = 0; j < 16; j++) {
                s.subScales[(b * 16 + j) * RT + i] = Bytes.i8(w, blk + Q6KKernel.SCALES + j);
            }
        }
    }

    /**
     * {@link #interleaveQ4K} for Q6_K: per block, lane, half of the rows and half of the block, the
     * lane's ql int and qh int of every row in two gathers (8 weights each); each weight's nibble
     * and its two high bits combined, less 32, made a float and scaled ({@code (q-32)*scale}, exact,
     * the value {@link KQuantGemm#dequantizeQ6K} gives).
     */
    private static void interleaveQ6K(Scratch s, int blocks, float[] wq, int wOff) {
        int[] raw = s.raw;
        int[] rawIndex = s.raw6Index;
        float[] subScales = s.subScales;
        for (int b = 0; b < blocks; b++) {
            for (int lane = 0; lane < 16; lane++) {
                // ql bytes 64*half + 32*(lane/8) + 4*(lane%8) .. +3, qh bytes 128 + 32*half + 4*(lane%8) .. +3
                int ql0 = b * Q6K_INTS + 8 * (lane >> 3) + (lane & 7);
                int qh0 = b * Q6K_INTS + Q6KKernel.QH / 4 + (lane & 7);
                // half-lane L's runs are 2(L%8) + L/8 and that + 16: step slot L/8 of the canonical lane
                // L%8, its first 8 steps of a block for the first run, the second 8 for the other
                int dst = wOff + (lane & 7) * blocks * 32 * RT + b * 32 * RT + (lane >> 3) * RT;
                for (int rv = 0; rv < RT; rv += VL) {
                    for (int half = 0; half < 2; half++) {
                        IntVector ql = IntVector.fromArray(IS, raw, ql0 + 16 * half, rawIndex, rv);
                        IntVector qh = IntVector.fromArray(IS, raw, qh0 + 8 * half, rawIndex, rv);
                        for (int nibble = 0; nibble < 2; nibble++) {
                            int quarter = 2 * nibble + (lane >> 3);
                            // weights 128*half + 32*quarter + 4*(lane%8) .. +3: one 16-weight scale group
                            FloatVector scale = FloatVector.fromArray(FS, subScales,
                                    (b * 16 + 8 * half + 2 * quarter + ((lane & 7) >> 2)) * RT + rv);
                            for (int e = 0; e < 4; e++) {
                                int kk = Q6K_STEP[lane * 16 + 8 * half + 4 * nibble + e];
                                IntVector q = ql.lanewise(VectorOperators.LSHR, 8 * e + 4 * nibble).and(0xF)
                                        .or(qh.lanewise(VectorOperators.LSHR, 8 * e + 2 * quarter).and(3)
                                                .lanewise(VectorOperators.LSHL, 4))
                                        .sub(32);
                                ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale)
                                        .intoArray(wq, dst + ((kk >> 3) * 8 + (kk & 7)) * 2 * RT + rv);
                            }
                        }
                    }
                }
            }
        }
    }

    /** d*dy and -(dmin*dy) per block and token of the tile, 32 rows each. */
    private static void scaleTokens(int blocks, float[] rowScales, int rsOff, float[] dyT, int g, float[] out,
            boolean q4k) {
        for (int b = 0; b < blocks; b++) {
            int rs = rsOff + b * 10 * RT;
            FloatVector d0 = FloatVector.fromArray(FS, rowScales, rs);
            FloatVector d1 = FloatVector.fromArray(FS, rowScales, rs + VL);
            FloatVector m0 = FloatVector.fromArray(FS, rowScales, rs + RT);
            FloatVector m1 = FloatVector.fromArray(FS, rowScales, rs + RT + VL);
            for (int t = 0; t < TT; t++) {
                float dy = dyT[(g * blocks + b) * TT + t];
                int o = ((b * TT + t) * 2) * RT;
                d0.mul(dy).intoArray(out, o);
                d1.mul(dy).intoArray(out, o + VL);
                if (q4k) {
                    m0.mul(dy).intoArray(out, o + RT);
                    m1.mul(dy).intoArray(out, o + RT + VL);
                }
            }
        }
    }

    /** The 8 lane accumulators of the tile's 32 rows x 6 tokens into {@code lanes}. */
    static void tile(int blocks, float[] wq, int wOff, float[] yT, float[] ksT, int g, float[] rowScales,
            int rsOff, float[] ts, boolean q4k, float[] lanes) {
        FloatVector zero = FloatVector.zero(FS);
        int steps = blocks * 16;
        for (int lane = 0; lane < 8; lane++) {
            int wl = wOff + lane * steps * 2 * RT;
            // the lane's two streams of steps (see runStart)
            int xa = runStart(g, 2 * lane, blocks, 0);
            int xz = runStart(g, 2 * lane + 1, blocks, 0);
            int at = lane * 2 * TT * VL;
            FloatVector a00 = zero;
            FloatVector a01 = zero;
            FloatVector a02 = zero;
            FloatVector a03 = zero;
            FloatVector a04 = zero;
            FloatVector a05 = zero;
            FloatVector a10 = zero;
            FloatVector a11 = zero;
            FloatVector a12 = zero;
            FloatVector a13 = zero;
            FloatVector a14 = zero;
            FloatVector a15 = zero;
            FloatVector s00 = zero;
            FloatVector s01 = zero;
            FloatVector s02 = zero;
            FloatVector s03 = zero;
            FloatVector s04 = zero;
            FloatVector s05 = zero;
            FloatVector s10 = zero;
            FloatVector s11 = zero;
            FloatVector s12 = zero;
            FloatVector s13 = zero;
            FloatVector s14 = zero;
            FloatVector s15 = zero;
            // one flat loop over (block, step): a loop per block paid C2's loop entry every block
            for (int i = 0; i < steps; i++) {
                int wi = wl + i * 2 * RT;
                int xi = xa + i * TT;
                int xj = xz + i * TT;
                FloatVector w0 = FloatVector.fromArray(FS, wq, wi);
                FloatVector w1 = FloatVector.fromArray(FS, wq, wi + VL);
                FloatVector x;
                x = FloatVector.broadcast(FS, yT[xi + 0]);
                s00 = w0.fma(x, s00);
                s10 = w1.fma(x, s10);
                x = FloatVector.broadcast(FS, yT[xi + 1]);
                s01 = w0.fma(x, s01);
                s11 = w1.fma(x, s11);
                x = FloatVector.broadcast(FS, yT[xi + 2]);
                s02 = w0.fma(x, s02);
                s12 = w1.fma(x, s12);
                x = FloatVector.broadcast(FS, yT[xi + 3]);
                s03 = w0.fma(x, s03);
                s13 = w1.fma(x, s13);
                x = FloatVector.broadcast(FS, yT[xi + 4]);
                s04 = w0.fma(x, s04);
                s14 = w1.fma(x, s14);
                x = FloatVector.broadcast(FS, yT[xi + 5]);
                s05 = w0.fma(x, s05);
                s15 = w1.fma(x, s15);
                w0 = FloatVector.fromArray(FS, wq, wi + RT);
                w1 = FloatVector.fromArray(FS, wq, wi + RT + VL);
                x = FloatVector.broadcast(FS, yT[xj + 0]);
                s00 = w0.fma(x, s00);
                s10 = w1.fma(x, s10);
                x = FloatVector.broadcast(FS, yT[xj + 1]);
                s01 = w0.fma(x, s01);
                s11 = w1.fma(x, s11);
                x = FloatVector.broadcast(FS, yT[xj + 2]);
                s02 = w0.fma(x, s02);
                s12 = w1.fma(x, s12);
                x = FloatVector.broadcast(FS, yT[xj + 3]);
                s03 = w0.fma(x, s03);
                s13 = w1.fma(x, s13);
                x = FloatVector.broadcast(FS, yT[xj + 4]);
                s04 = w0.fma(x, s04);
                s14 = w1.fma(x, s14);
                x = FloatVector.broadcast(FS, yT[xj + 5]);
                s05 = w0.fma(x, s05);
                s15 = w1.fma(x, s15);
                if ((i & 15) == 15) {
                    int b = i >> 4;
                    int o = (b * TT * 2) * RT;
                    a00 = s00.fma(FloatVector.fromArray(FS, ts, o + 0 * 2 * RT + 0 * VL), a00);
                    a10 = s10.fma(FloatVector.fromArray(FS, ts, o + 0 * 2 * RT + 1 * VL), a10);
                    a01 = s01.fma(FloatVector.fromArray(FS, ts, o + 1 * 2 * RT + 0 * VL), a01);
                    a11 = s11.fma(FloatVector.fromArray(FS, ts, o + 1 * 2 * RT + 1 * VL), a11);
                    a02 = s02.fma(FloatVector.fromArray(FS, ts, o + 2 * 2 * RT + 0 * VL), a02);
                    a12 = s12.fma(FloatVector.fromArray(FS, ts, o + 2 * 2 * RT + 1 * VL), a12);
                    a03 = s03.fma(FloatVector.fromArray(FS, ts, o + 3 * 2 * RT + 0 * VL), a03);
                    a13 = s13.fma(FloatVector.fromArray(FS, ts, o + 3 * 2 * RT + 1 * VL), a13);
                    a04 = s04.fma(FloatVector.fromArray(FS, ts, o + 4 * 2 * RT + 0 * VL), a04);
                    a14 = s14.fma(FloatVector.fromArray(FS, ts, o + 4 * 2 * RT + 1 * VL), a14);
                    a05 = s05.fma(FloatVector.fromArray(FS, ts, o + 5 * 2 * RT + 0 * VL), a05);
                    a15 = s15.fma(FloatVector.fromArray(FS, ts, o + 5 * 2 * RT + 1 * VL), a15);
                    if (q4k) {
                        int mi = rsOff + (b * 10 + 2 + lane) * RT;
                        FloatVector n0 = FloatVector.fromArray(FS, rowScales, mi);
                        FloatVector n1 = FloatVector.fromArray(FS, rowScales, mi + VL);
                        int ki = ((g * blocks + b) * 8 + lane) * TT;
                        int m = o + RT;
                        FloatVector ks;
                        ks = FloatVector.broadcast(FS, ksT[ki + 0]);
                        a00 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 0 * 2 * RT + 0 * VL), a00);
                        a10 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 0 * 2 * RT + 1 * VL), a10);
                        ks = FloatVector.broadcast(FS, ksT[ki + 1]);
                        a01 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 1 * 2 * RT + 0 * VL), a01);
                        a11 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 1 * 2 * RT + 1 * VL), a11);
                        ks = FloatVector.broadcast(FS, ksT[ki + 2]);
                        a02 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 2 * 2 * RT + 0 * VL), a02);
                        a12 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 2 * 2 * RT + 1 * VL), a12);
                        ks = FloatVector.broadcast(FS, ksT[ki + 3]);
                        a03 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 3 * 2 * RT + 0 * VL), a03);
                        a13 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 3 * 2 * RT + 1 * VL), a13);
                        ks = FloatVector.broadcast(FS, ksT[ki + 4]);
                        a04 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 4 * 2 * RT + 0 * VL), a04);
                        a14 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 4 * 2 * RT + 1 * VL), a14);
                        ks = FloatVector.broadcast(FS, ksT[ki + 5]);
                        a05 = n0.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 5 * 2 * RT + 0 * VL), a05);
                        a15 = n1.mul(ks).fma(FloatVector.fromArray(FS, ts, m + 5 * 2 * RT + 1 * VL), a15);
                    }
                    s00 = zero;
                    s01 = zero;
                    s02 = zero;
                    s03 = zero;
                    s04 = zero;
                    s05 = zero;
                    s10 = zero;
                    s11 = zero;
                    s12 = zero;
                    s13 = zero;
                    s14 = zero;
                    s15 = zero;
                }
            }
            a00.intoArray(lanes, at + 0 * VL);
            a01.intoArray(lanes, at + 1 * VL);
            a02.intoArray(lanes, at + 2 * VL);
            a03.intoArray(lanes, at + 3 * VL);
            a04.intoArray(lanes, at + 4 * VL);
            a05.intoArray(lanes, at + 5 * VL);
            a10.intoArray(lanes, at + 6 * VL);
            a11.intoArray(lanes, at + 7 * VL);
            a12.intoArray(lanes, at + 8 * VL);
            a13.intoArray(lanes, at + 9 * VL);
            a14.intoArray(lanes, at + 10 * VL);
            a15.intoArray(lanes, at + 11 * VL);
        }
    }

    /**
     * {@link #tile} at 256 bits: 16 rows x 4 tokens. AVX2's 16 registers hold the 8 lane sums, two
     * weight vectors and a broadcast, but not the accumulators as well, so those stay in
     * {@code lanes} (in L1) and the fold every 16 steps reads and writes them there. Fewer sums (3
     * tokens, accumulators in registers) left 6 fma chains, each two dependent fma per step: bound by
     * the fma latency (4 cycles), not its two ports, and no faster than {@link KQuantGemm}.
     */
    static void tile256(int blocks, float[] wq, int wOff, float[] yT, float[] ksT, int g, float[] rowScales,
            int rsOff, float[] ts, boolean q4k, float[] lanes) {
        FloatVector zero = FloatVector.zero(FS);
        int steps = blocks * 16;
        for (int lane = 0; lane < 8; lane++) {
            int wl = wOff + lane * steps * 2 * RT;
            int xa = runStart(g, 2 * lane, blocks, 0);
            int xz = runStart(g, 2 * lane + 1, blocks, 0);
            int at = lane * 2 * TT * VL;
            for (int i = 0; i < 2 * TT; i++) {
                zero.intoArray(lanes, at + i * VL);
            }
            FloatVector s00 = zero;
            FloatVector s01 = zero;
            FloatVector s02 = zero;
            FloatVector s03 = zero;
            FloatVector s10 = zero;
            FloatVector s11 = zero;
            FloatVector s12 = zero;
            FloatVector s13 = zero;
            for (int i = 0; i < steps; i++) {
                int wi = wl + i * 2 * RT;
                int xi = xa + i * TT;
                int xj = xz + i * TT;
                FloatVector w0 = FloatVector.fromArray(FS, wq, wi);
                FloatVector w1 = FloatVector.fromArray(FS, wq, wi + VL);
                FloatVector x;
                x = FloatVector.broadcast(FS, yT[xi + 0]);
                s00 = w0.fma(x, s00);
                s10 = w1.fma(x, s10);
                x = FloatVector.broadcast(FS, yT[xi + 1]);
                s01 = w0.fma(x, s01);
                s11 = w1.fma(x, s11);
                x = FloatVector.broadcast(FS, yT[xi + 2]);
                s02 = w0.fma(x, s02);
                s12 = w1.fma(x, s12);
                x = FloatVector.broadcast(FS, yT[xi + 3]);
                s03 = w0.fma(x, s03);
                s13 = w1.fma(x, s13);
                w0 = FloatVector.fromArray(FS, wq, wi + RT);
                w1 = FloatVector.fromArray(FS, wq, wi + RT + VL);
                x = FloatVector.broadcast(FS, yT[xj + 0]);
                s00 = w0.fma(x, s00);
                s10 = w1.fma(x, s10);
                x = FloatVector.broadcast(FS, yT[xj + 1]);
                s01 = w0.fma(x, s01);
                s11 = w1.fma(x, s11);
                x = FloatVector.broadcast(FS, yT[xj + 2]);
                s02 = w0.fma(x, s02);
                s12 = w1.fma(x, s12);
                x = FloatVector.broadcast(FS, yT[xj + 3]);
                s03 = w0.fma(x, s03);
                s13 = w1.fma(x, s13);
                if ((i & 15) == 15) {
                    int b = i >> 4;
                    int o = (b * TT * 2) * RT;
                    s00.fma(FloatVector.fromArray(FS, ts, o + 0 * 2 * RT + 0 * VL),
                            FloatVector.fromArray(FS, lanes, at + 0 * VL)).intoArray(lanes, at + 0 * VL);
                    s01.fma(FloatVector.fromArray(FS, ts, o + 1 * 2 * RT + 0 * VL),
                            FloatVector.fromArray(FS, lanes, at + 1 * VL)).intoArray(lanes, at + 1 * VL);
                    s02.fma(FloatVector.fromArray(FS, ts, o + 2 * 2 * RT + 0 * VL),
                            FloatVector.fromArray(FS, lanes, at + 2 * VL)).intoArray(lanes, at + 2 * VL);
                    s03.fma(FloatVector.fromArray(FS, ts, o + 3 * 2 * RT + 0 * VL),
                            FloatVector.fromArray(FS, lanes, at + 3 * VL)).intoArray(lanes, at + 3 * VL);
                    s10.fma(FloatVector.fromArray(FS, ts, o + 0 * 2 * RT + 1 * VL),
                            FloatVector.fromArray(FS, lanes, at + 4 * VL)).intoArray(lanes, at + 4 * VL);
                    s11.fma(FloatVector.fromArray(FS, ts, o + 1 * 2 * RT + 1 * VL),
                            FloatVector.fromArray(FS, lanes, at + 5 * VL)).intoArray(lanes, at + 5 * VL);
                    s12.fma(FloatVector.fromArray(FS, ts, o + 2 * 2 * RT + 1 * VL),
                            FloatVector.fromArray(FS, lanes, at + 6 * VL)).intoArray(lanes, at + 6 * VL);
                    s13.fma(FloatVector.fromArray(FS, ts, o + 3 * 2 * RT + 1 * VL),
                            FloatVector.fromArray(FS, lanes, at + 7 * VL)).intoArray(lanes, at + 7 * VL);
                    if (q4k) {
                        int mi = rsOff + (b * 10 + 2 + lane) * RT;
                        int ki = ((g * blocks + b) * 8 + lane) * TT;
                        int m = o + RT;
                        for (int rv = 0; rv < 2; rv++) {
                            FloatVector n = FloatVector.fromArray(FS, rowScales, mi + rv * VL);
                            for (int t = 0; t < TT; t++) {
                                int ai = at + (rv * TT + t) * VL;
                                n.mul(ksT[ki + t]).fma(FloatVector.fromArray(FS, ts, m + t * 2 * RT + rv * VL),
                                        FloatVector.fromArray(FS, lanes, ai)).intoArray(lanes, ai);
                            }
                        }
                    }
                    s00 = zero;
                    s01 = zero;
                    s02 = zero;
                    s03 = zero;
                    s10 = zero;
                    s11 = zero;
                    s12 = zero;
                    s13 = zero;
                }
            }
        }
    }

    /**
     * The canonical lane tree of each (row vector, token) of a tile of {@code tt} tokens, whose
     * {@code count} lane accumulators are at {@code (lane * 2*tt + rv * tt + t) * 16}, stored into
     * {@code y}; shared with {@link Block32RowGemm} (16 lanes). With 8 lanes (the K-quants) the
     * tree's first level, which would add the 8 zeros of {@link Simd#tree16}, is left out: same bits,
     * as no lane is -0. Each sum goes straight from its register to {@code y} where the tile's rows
     * are all real: through {@code out} it took 141 ns per 6-token tile against 81 (one thread, hot).
     */
    static void store(float[] lanes, int count, int tt, float[] out, float[] y, int stride, int rt, int r1, int t0,
            int real) {
        int lane = 2 * tt * VL;
        boolean whole = rt + RT <= r1;
        for (int v = 0; v < 2 * tt; v++) {
            int rv = v < tt ? 0 : 1;
            int t = v - rv * tt;
            if (t >= real) {
                continue;
            }
            int at = v * VL;
            if (count == 8) {
                FloatVector h0 = FloatVector.fromArray(FS, lanes, at);
                FloatVector h1 = FloatVector.fromArray(FS, lanes, at + lane);
                FloatVector h2 = FloatVector.fromArray(FS, lanes, at + 2 * lane);
                FloatVector h3 = FloatVector.fromArray(FS, lanes, at + 3 * lane);
                FloatVector h4 = FloatVector.fromArray(FS, lanes, at + 4 * lane);
                FloatVector h5 = FloatVector.fromArray(FS, lanes, at + 5 * lane);
                FloatVector h6 = FloatVector.fromArray(FS, lanes, at + 6 * lane);
                FloatVector h7 = FloatVector.fromArray(FS, lanes, at + 7 * lane);
                put(h0.add(h4).add(h2.add(h6)).add(h1.add(h5).add(h3.add(h7))), out, y,
                        (t0 + t) * stride + rt + rv * VL, whole, rt + rv * VL, r1);
                continue;
            }
            FloatVector h0 = FloatVector.fromArray(FS, lanes, at).add(FloatVector.fromArray(FS, lanes, at + 8 * lane));
            FloatVector h1 = FloatVector.fromArray(FS, lanes, at + lane).add(FloatVector.fromArray(FS, lanes, at + 9 * lane));
            FloatVector h2 = FloatVector.fromArray(FS, lanes, at + 2 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 10 * lane));
            FloatVector h3 = FloatVector.fromArray(FS, lanes, at + 3 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 11 * lane));
            FloatVector h4 = FloatVector.fromArray(FS, lanes, at + 4 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 12 * lane));
            FloatVector h5 = FloatVector.fromArray(FS, lanes, at + 5 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 13 * lane));
            FloatVector h6 = FloatVector.fromArray(FS, lanes, at + 6 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 14 * lane));
            FloatVector h7 = FloatVector.fromArray(FS, lanes, at + 7 * lane)
                    .add(FloatVector.fromArray(FS, lanes, at + 15 * lane));
            put(h0.add(h4).add(h2.add(h6)).add(h1.add(h5).add(h3.add(h7))), out, y, (t0 + t) * stride + rt + rv * VL,
                    whole, rt + rv * VL, r1);
        }
    }

    /** A vector of row results into {@code y} at {@code base}: whole, or its rows before {@code r1}. */
    private static void put(FloatVector sum, float[] out, float[] y, int base, boolean whole, int row, int r1) {
        if (whole) {
            sum.intoArray(y, base);
        } else {
            sum.intoArray(out, 0);
            for (int i = 0; i < VL && row + i < r1; i++) {
                y[base + i] = out[i];
            }
        }
    }
}
