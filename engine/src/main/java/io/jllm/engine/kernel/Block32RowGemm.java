package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Q8_0 and Q4_0 batch path at 512 bits for large batches, with rows across the vector lanes
 * as in {@link KQuantRowGemm}: a register block of 32 rows x 4 tokens, activations broadcast, the
 * 8 exact lane sums and 8 canonical lane accumulators of a lane kept in registers over the
 * lane's blocks (one flat loop, the fold every two steps).
 *
 * <p>Same bits as the reference: a canonical lane of block {@code b} is 4 products (Q8_0 weights
 * {@code 4l..4l+3}, Q4_0 {@code 2l, 2l+1, 2l+16, 2l+17}; lane {@code 8*(b%2) + l}), exact in any
 * order; per block in order {@code acc_L = fma(d*dy, S_L, acc_L)}; then {@link Simd#tree16}'s tree,
 * lane-wise across accumulator vectors.
 *
 * <p>Layouts: activations of token tile {@code g} in {@link Block32Gemm#position}'s order (every
 * lane of either type is two pairs of one parity, each pair advancing 2 positions per block), 6
 * tokens side by side: {@code (g*cols + position)*4 + t}, so a lane's two pairs are two linear
 * streams; the tile's weights per lane, block of its parity, step {@code j} of the pair and pair
 * {@code h}, 32 rows each; d*dy per block and token of the tile in a table made per tile.
 */
final class Block32RowGemm {
    private static final VectorSpecies<Float> FS = Simd.F512;
    private static final VectorSpecies<Integer> IS = Simd.I512;
    private static final int VL = 16;
    /** Rows per tile: two vectors, as {@link KQuantRowGemm}'s at 512 bits (this path is 512 bits only). */
    static final int RT = 2 * VL;
    /**
     * Tokens per tile: 4, not the K-quant kernel's 6. With a fold every 2 steps C2 kept 6 tokens'
     * 24 sums and accumulators only by spilling 7 of them in the loop (Q8_0 3072x1024 at 512 tokens:
     * 3.3 calibration cycles per block and token against 2.8 for {@link Block32Gemm}).
     */
    static final int TT = 4;

    /**
     * The smallest batch this path takes ({@code -Djllm.rowGemm32.minTokens}; 0 turns it off and
     * {@link Block32Gemm} takes the batch). One thread, calibration cycles per block (32
     * weights) and token, this path against {@link Block32Gemm}: Q8_0 3072x1024 128 tokens 2.7 vs
     * 3.2, 256: 2.7 vs 2.9, 512: 2.6 vs 2.8; Q4_0 3072x1024 512: 2.5 vs 3.2; Q8_0 1024x3072 512: 3.2
     * vs 3.4; Q4_0 1024x3072 256: 3.3 vs 3.4. A lane folds every 4 products, so the fold and the
     * reset of the sums are a quarter of the loop's work: the gain is smaller than the K-quants'.
     */
    static final int MIN_TOKENS = Integer.getInteger("jllm.rowGemm32.minTokens", 128);
    private static final int WPAD = AlignedFloats.PAD;

    /** Per type ([q4 ? 1 : 0]) and lane l of a block (0..7): the weight at step j of pair h, [l*4 + h*2 + j]. */
    private static final int[][] LANE_WEIGHTS = {laneWeights(false), laneWeights(true)};

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Block32RowGemm() {
    }

    /** Whether a batch of {@code tokens} takes this path (512 bits only). */
    static boolean suits(int tokens) {
        return Simd.WIDE && MIN_TOKENS > 0 && tokens >= Math.max(MIN_TOKENS, TT);
    }

    private static int[] laneWeights(boolean q4) {
        int[] out = new int[32];
        for (int l = 0; l < 8; l++) {
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < 2; j++) {
                    out[l * 4 + h * 2 + j] = q4 ? 16 * h + 2 * l + j : 4 * l + 2 * h + j;
                }
            }
        }
        return out;
    }

    private static final class Scratch {
        float[] weights = new float[0];
        /** The tile's rows in natural order, one after another. */
        float[] rows = new float[0];
        final int[] rowIndex = new int[RT];
        /** Per tile and block, 32 rows: d. */
        float[] d = new float[0];
        /** Per block and token, 32 rows: d*dy. */
        float[] ddy = new float[0];
        /** The lane accumulators of one tile: (lane * 8 + rv * 4 + t) * 16. */
        final float[] lanes = new float[16 * 2 * TT * VL];
        final float[] out = new float[RT];

        void ensure(int cols) {
            int blocks = cols / 32;
            int rowsInGroup = KQuantRowGemm.groupTiles(cols) * RT;
            if (weights.length < WPAD + rowsInGroup * cols) {
                weights = AlignedFloats.allocate(rowsInGroup * cols);
            }
            // on its own: under G1 the weights' array is at least half a region, so it may already
            // be long enough for a group whose scales are not (one row tile of 3,072 columns after
            // two of 1,024 or one of 2,048)
            if (d.length < rowsInGroup * blocks) {
                d = new float[rowsInGroup * blocks];
            }
            int pitch = rowPitch(cols);
            if (rowIndex[1] != pitch) {
                for (int i = 0; i < RT; i++) {
                    rowIndex[i] = i * pitch;
                }
            }
            if (rows.length < RT * pitch) {
                rows = new float[RT * pitch];
                ddy = new float[blocks * TT * RT];
            }
        }
    }

    /**
     * Floats from one of the tile's dequantized rows to the next: a row plus one cache line. At a
     * power-of-two row length (4 KiB for 1,024 columns) the 16 rows one gather reads fall in the
     * same L1 set and evict each other. perf of {@code cputime --batch 512}, one thread, samples of
     * the dequantization and gathers against the tile's: Q8_0 3072x1024 12 % -> 4 % (and, while
     * {@link KQuantRowGemm} gathered rows too, Q4_K 21 % -> 11 %, Q6_K 14 % -> 7 %).
     */
    static int rowPitch(int cols) {
        return cols + 16;
    }

    /** Token tiles of a batch. */
    static int tiles(int tokens) {
        return (tokens + TT - 1) / TT;
    }

    /**
     * This path's activations in {@link Activations#yT} (see the class comment) and the Q8_0 scales
     * in {@link Activations#dyT} at {@code (g*blocks + b)*4 + t}, tokens padded with zeros; token
     * tiles {@code g0 .. g1-1}.
     */
    static void layoutActivations(Activations a, int tokens, int cols, int g0, int g1) {
        Block32Gemm.layoutActivations(a, tokens, cols, TT, g0, g1);
    }

    static void q8_0(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, false);
    }

    static void q4_0(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, true);
    }

    private static void run(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride, boolean q4) {
        int cols = w.cols();
        int blocks = cols / 32;
        int tokens = a.tokens();
        Scratch s = SCRATCH.get();
        s.ensure(cols);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = KQuantRowGemm.groupTiles(cols);
        int[] lw = LANE_WEIGHTS[q4 ? 1 : 0];
        int pitch = rowPitch(cols);
        for (int rg = r0; rg < r1; rg += group * RT) {
            int tiles = Math.min(group, (r1 - rg + RT - 1) / RT);
            for (int k = 0; k < tiles; k++) {
                for (int i = 0; i < RT; i++) {
                    // rows past the last repeat it: same work, stored once
                    long row = Math.min(rg + k * RT + i, r1 - 1) * rowBytes;
                    dequantize(data, row, blocks, q4, s.rows, i * pitch, s.d, k * blocks * RT + i);
                }
                interleave(s.rows, blocks, lw, s.weights, WPAD + k * RT * cols, s.rowIndex);
            }
            for (int t0 = 0, g = 0; t0 < tokens; t0 += TT, g++) {
                for (int k = 0; k < tiles; k++) {
                    int rt = rg + k * RT;
                    scaleTokens(blocks, s.d, k * blocks * RT, a.dyT, g, s.ddy);
                    tile(blocks, cols, s.weights, WPAD + k * RT * cols, a.yT, g, s.ddy, q4, s.lanes);
                    KQuantRowGemm.store(s.lanes, 16, TT, s.out, y, stride, rt, r1, t0, Math.min(TT, tokens - t0));
                }
            }
        }
    }

    /** One row's weights as floats in natural order ({@code q}, Q4_0 {@code q - 8}) and its block scales. */
    private static void dequantize(MemorySegment w, long row, int blocks, boolean q4, float[] out, int off, float[] d,
            int dAt) {
        for (int b = 0; b < blocks; b++) {
            int o = off + 32 * b;
            if (q4) {
                long blk = row + (long) b * Q4_0Kernel.BLOCK_BYTES;
                d[dAt + b * RT] = Bytes.f16(w, blk + Q4_0Kernel.D);
                IntVector q = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, blk + Q4_0Kernel.QS,
                        Simd.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).intoArray(out, o);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                        .intoArray(out, o + 16);
            } else {
                long blk = row + (long) b * Q8_0Kernel.BLOCK_BYTES;
                d[dAt + b * RT] = Bytes.f16(w, blk + Q8_0Kernel.D);
                for (int h = 0; h < 2; h++) {
                    ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, blk + Q8_0Kernel.QS + 16 * h,
                            Simd.LE).convertShape(VectorOperators.B2F, FS, 0)).intoArray(out, o + 16 * h);
                }
            }
        }
    }

    /** Where lane {@code lane}'s weights start in a tile, in floats from the tile's start. */
    private static int laneStart(int lane, int blocks) {
        int l = lane & 7;
        int even = Block32Gemm.blocksOf(0, blocks);
        int before = lane < 8 ? l * even : 8 * even + l * Block32Gemm.blocksOf(1, blocks);
        return before * 4 * RT;
    }

    /** The tile's 32 rows into the lane layout: 16 rows at a time gathered, stored in a line. */
    private static void interleave(float[] rows, int blocks, int[] lw, float[] wq, int wOff, int[] rowIndex) {
        for (int lane = 0; lane < 16; lane++) {
            int p = lane >> 3;
            int l = lane & 7;
            int nb = Block32Gemm.blocksOf(p, blocks);
            int dst = wOff + laneStart(lane, blocks);
            for (int bi = 0; bi < nb; bi++) {
                int b = 2 * bi + p;
                for (int j = 0; j < 2; j++) {
                    for (int h = 0; h < 2; h++) {
                        int src = 32 * b + lw[l * 4 + h * 2 + j];
                        int at = dst + ((bi * 2 + j) * 2 + h) * RT;
                        FloatVector.fromArray(FS, rows, src, rowIndex, 0).intoArray(wq, at);
                        FloatVector.fromArray(FS, rows, src, rowIndex, VL).intoArray(wq, at + VL);
                    }
                }
            }
        }
    }

    /** d*dy per block and token of the tile, 32 rows each. */
    private static void scaleTokens(int blocks, float[] d, int dOff, float[] dyT, int g, float[] out) {
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(FS, d, dOff + b * RT);
            FloatVector d1 = FloatVector.fromArray(FS, d, dOff + b * RT + VL);
            for (int t = 0; t < TT; t++) {
                float dy = dyT[(g * blocks + b) * TT + t];
                int o = (b * TT + t) * RT;
                d0.mul(dy).intoArray(out, o);
                d1.mul(dy).intoArray(out, o + VL);
            }
        }
    }

    /** The 16 lane accumulators of the tile's 32 rows x 4 tokens into {@code lanes}. */
    private static void tile(int blocks, int cols, float[] wq, int wOff, float[] yT, int g, float[] ddy, boolean q4,
            float[] lanes) {
        FloatVector zero = FloatVector.zero(FS);
        for (int lane = 0; lane < 16; lane++) {
            int p = lane >> 3;
            int l = lane & 7;
            int nb = Block32Gemm.blocksOf(p, blocks);
            int steps = nb * 2;
            int wl = wOff + laneStart(lane, blocks);
            // the lane's two pairs (Q8_0: 2l and 2l+1; Q4_0: l and l+8), each a run of 2 positions per block
            int pair1 = q4 ? l : 2 * l;
            int pair2 = q4 ? l + 8 : 2 * l + 1;
            int base = Activations.YT_PAD + (g * cols + (p == 0 ? 0 : 32 * Block32Gemm.blocksOf(0, blocks))) * TT;
            int xa = base + pair1 * steps * TT;
            int xz = base + pair2 * steps * TT;
            int at = lane * 2 * TT * VL;
            FloatVector a00 = zero;
            FloatVector a01 = zero;
            FloatVector a02 = zero;
            FloatVector a03 = zero;
            FloatVector a10 = zero;
            FloatVector a11 = zero;
            FloatVector a12 = zero;
            FloatVector a13 = zero;
            FloatVector s00 = zero;
            FloatVector s01 = zero;
            FloatVector s02 = zero;
            FloatVector s03 = zero;
            FloatVector s10 = zero;
            FloatVector s11 = zero;
            FloatVector s12 = zero;
            FloatVector s13 = zero;
            // one flat loop over (block, step), the fold after the second step of each block
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
                if ((i & 1) == 1) {
                    int o = (2 * (i >> 1) + p) * TT * RT;
                    a00 = s00.fma(FloatVector.fromArray(FS, ddy, o + 0 * RT + 0 * VL), a00);
                    a10 = s10.fma(FloatVector.fromArray(FS, ddy, o + 0 * RT + 1 * VL), a10);
                    a01 = s01.fma(FloatVector.fromArray(FS, ddy, o + 1 * RT + 0 * VL), a01);
                    a11 = s11.fma(FloatVector.fromArray(FS, ddy, o + 1 * RT + 1 * VL), a11);
                    a02 = s02.fma(FloatVector.fromArray(FS, ddy, o + 2 * RT + 0 * VL), a02);
                    a12 = s12.fma(FloatVector.fromArray(FS, ddy, o + 2 * RT + 1 * VL), a12);
                    a03 = s03.fma(FloatVector.fromArray(FS, ddy, o + 3 * RT + 0 * VL), a03);
                    a13 = s13.fma(FloatVector.fromArray(FS, ddy, o + 3 * RT + 1 * VL), a13);
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
            a00.intoArray(lanes, at + 0 * VL);
            a01.intoArray(lanes, at + 1 * VL);
            a02.intoArray(lanes, at + 2 * VL);
            a03.intoArray(lanes, at + 3 * VL);
            a10.intoArray(lanes, at + 4 * VL);
            a11.intoArray(lanes, at + 5 * VL);
            a12.intoArray(lanes, at + 6 * VL);
            a13.intoArray(lanes, at + 7 * VL);
        }
    }
}
