package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batch path of the matmuls whose weights come in blocks of 32 with one fp16 scale (Q8_0 and
 * Q4_0, both against Q8_0 activations): weights dequantized once per call to floats {@code q}
 * (Q4_0: {@code q - 8}), activation quants stored transposed with the tokens of one weight side by
 * side, and float fma with vector lanes running over tokens, so one weight meets a whole vector of
 * tokens. Without it every (row, token) pair decoded its block's bytes again.
 *
 * <p>Same bits as the per-token kernels: each canonical lane sum {@code S_L} is four products of
 * at most 128*127, an integer far below 2^24 and exact in float in any order, and the float part is
 * the canonical one done lane-wise over tokens: per lane, block by block in order,
 * {@code acc_L = fma(d*dy, S_L, acc_L)}, then {@link Simd#tree16}.
 *
 * <h2>Loop order</h2>
 * Q8_0 and Q4_0 fold every four products (a lane holds weights {@code 4l..4l+3} of a block, or for
 * Q4_0 {@code 2l, 2l+1, 2l+16, 2l+17}), so the lane accumulators of a (row, token vector) are kept
 * in registers across the whole row, one lane at a time: for each of the 16 lanes, the blocks of
 * its parity in order, four fma into {@code S_L} and one fma into {@code acc_L}. A K-quant lane
 * runs 16 products per fold, which is why {@link KQuantGemm} stores its sums and folds later instead.
 * The tile is {@link #TILE_ROWS} rows x 2 token vectors: per block and lane, four positions of two
 * activation loads each, one broadcast per row and position, and {@code 10 * TILE_ROWS} fma. At
 * 512 bits the {@code d*dy} of each row and token vector is made in the loop from the block's two
 * token-scale vectors and the row's {@code d}: a table of them made per tile first took 15 % of the
 * call and 8 more loads per step, in a loop bound by its loads (one thread, 512 tokens, Q8_0 and
 * Q4_0: 3.0-3.5 against 2.7-2.8 cycles per block and token). At 256 bits the table stays: with 16
 * registers the products in the loop were slower (Q8_0 6.7 against 7.8).
 * Weights and activations share one position order ({@link #position}); the dequantized rows are
 * interleaved ({@code position * TILE_ROWS + row}) as in {@link KQuantGemm}.
 */
final class Block32Gemm {
    static final VectorSpecies<Float> FS = KQuantGemm.FS;
    static final int VL = FS.length();
    /** Tokens per tile. */
    static final int TILE_TOKENS = 2 * VL;
    /**
     * Rows per tile: 4 rows x 2 token vectors of lane sums and accumulators take 16 of AVX-512's 32
     * registers; 2 rows take 8 of AVX2's 16.
     */
    static final int TILE_ROWS = Simd.WIDE ? 4 : 2;

    /**
     * The smallest batch this path takes; {@code jllm.gemm32.minTokens} overrides it. One thread,
     * token by token / this path in one JVM (cputime --compare-small-batch), 512 bits: 16 tokens
     * (a half-empty tile) 0.83x at 1024x1024, 20: 1.01x (Q8_0) and 1.13x (Q4_0) at 3072x1024, 24:
     * 1.18-1.23x, 32: 1.56-1.74x, 512: 2.6-3.2x. At 256 bits (-XX:UseAVX=2) the tile is 16 tokens
     * and the crossover later: 16 tokens 0.77-0.86x, 24: 0.81-0.87x, 32: 1.04-1.16x, 64: 1.22-1.40x,
     * 512: 1.58-1.87x. With d*dy made in the loop (512 bits, 3072x1024): 16 tokens 0.90-0.99x, 20:
     * 1.12-1.44x, 32: 1.91x.
     */
    private static volatile int minTokens = Math.max(1, Integer.getInteger("jllm.gemm32.minTokens",
            Simd.WIDE ? 20 : 32));

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Block32Gemm() {
    }

    private static final class Scratch {
        /** The group's rows, each tile's rows interleaved. */
        float[] weights = new float[0];
        /** Per row of the group and block: d. */
        float[] d = new float[0];
        /** Per tile row, block and token of the tile: d*dy (256 bits). */
        float[] ddy = new float[0];
        /** The lane accumulators of one tile: {@code ((row*2 + v)*16 + lane)*VL + token}. */
        final float[] lanes = new float[TILE_ROWS * 2 * 16 * VL];
        /** One token vector of results on its way into the output. */
        final float[] out = new float[VL];

        void ensure(int cols) {
            // each buffer on its own: the group's row count falls as rows get longer
            int rows = groupTiles(cols) * TILE_ROWS;
            if (weights.length < rows * cols) {
                weights = new float[rows * cols];
                d = new float[rows * cols / 32];
            }
            // the d*dy table serves the 256-bit kernel only (lanes4 makes its products in the loop)
            if (!Simd.WIDE && ddy.length < TILE_ROWS * cols / 32 * TILE_TOKENS) {
                ddy = new float[TILE_ROWS * cols / 32 * TILE_TOKENS];
            }
        }
    }

    /** Row tiles per group for rows of {@code cols} weights, sized as {@link KQuantGemm}'s. */
    static int groupTiles(int cols) {
        return KQuantGemm.groupTiles(cols, TILE_ROWS);
    }

    /** Whether a batch of {@code tokens} takes this path. */
    static boolean suits(int tokens) {
        return tokens >= minTokens;
    }

    static int minTokens() {
        return minTokens;
    }

    /**
     * Sets the smallest batch this path takes (at least 1) and returns the previous value; for
     * benchmarks comparing paths in one JVM, between matmuls (the quantizer and the kernel must
     * agree on it).
     */
    static int minTokens(int tokens) {
        int old = minTokens;
        minTokens = Math.max(1, tokens);
        return old;
    }

    /** Blocks of parity {@code p} in a row of {@code blocks}. */
    static int blocksOf(int p, int blocks) {
        return p == 0 ? (blocks + 1) / 2 : blocks / 2;
    }

    /**
     * Where weight {@code i} of block {@code b} sits in a row's position order: parity of the block,
     * then the pair {@code i/2}, then the block, then {@code i%2}. Every canonical lane of either
     * type is two pairs of one parity (Q8_0 lane l: pairs 2l and 2l+1; Q4_0: l and l+8), so a lane
     * reads two runs that advance 2 positions per block, where weight order would step 64
     * positions (8 KiB of a tile's activations, the same L1 set every time) from block to block.
     */
    static int position(int blocks, int b, int i) {
        int p = b & 1;
        int base = p == 0 ? 0 : 32 * blocksOf(0, blocks);
        return base + ((i >> 1) * blocksOf(p, blocks) + (b >> 1)) * 2 + (i & 1);
    }

    /**
     * Fills the transposed activations one tile of tokens after another: quant {@code i} of block
     * {@code b} of token {@code t} at {@code ((g*cols + position(blocks, b, i)) * TILE_TOKENS +
     * t%TILE_TOKENS)} with {@code g = t / TILE_TOKENS}, as a float, the scale of its block at
     * {@code ((g*blocks + b) * TILE_TOKENS + t%TILE_TOKENS)} in {@link Activations#dyT}; tokens
     * padded with zeros to whole tiles.
     */
    static void layoutActivations(Activations a, int tokens, int cols) {
        layoutActivations(a, tokens, cols, TILE_TOKENS, 0, (tokens + TILE_TOKENS - 1) / TILE_TOKENS);
    }

    /**
     * {@link #layoutActivations(Activations, int, int)} for tiles of {@code tileTokens} tokens,
     * tiles {@code g0 .. g1-1}: also {@link Block32RowGemm}'s layout (its tiles are 4 tokens).
     */
    static void layoutActivations(Activations a, int tokens, int cols, int tileTokens, int g0, int g1) {
        int blocks = cols / 32;
        float[] yT = a.yT;
        float[] dyT = a.dyT;
        for (int g = g0; g < g1; g++) {
            int t0 = g * tileTokens;
            int real = Math.min(tileTokens, tokens - t0);
            for (int i = 0; i < cols; i++) {
                int dst = Activations.YT_PAD + (g * cols + position(blocks, i >> 5, i & 31)) * tileTokens;
                int src = t0 * cols + i;
                for (int j = 0; j < real; j++) {
                    yT[dst + j] = a.qs[src + j * cols];
                }
                for (int j = real; j < tileTokens; j++) {
                    yT[dst + j] = 0f;
                }
            }
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * tileTokens;
                for (int j = 0; j < tileTokens; j++) {
                    dyT[dst + j] = j < real ? a.scales[(t0 + j) * blocks + b] : 0f;
                }
            }
        }
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
        Scratch scratch = SCRATCH.get();
        scratch.ensure(cols);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = groupTiles(cols);
        // as in KQuantGemm: a group of row tiles dequantized once, every token tile passing over it
        for (int rg = r0; rg < r1; rg += group * TILE_ROWS) {
            int tiles = Math.min(group, (r1 - rg + TILE_ROWS - 1) / TILE_ROWS);
            for (int k = 0; k < tiles; k++) {
                for (int i = 0; i < TILE_ROWS; i++) {
                    // a tile past the last row repeats it: same work, same values, stored once
                    long row = Math.min(rg + k * TILE_ROWS + i, r1 - 1) * rowBytes;
                    int wOff = k * TILE_ROWS * cols;
                    int dOff = (k * TILE_ROWS + i) * blocks;
                    if (q4) {
                        dequantizeQ4_0(data, row, blocks, scratch.weights, wOff, i, scratch.d, dOff);
                    } else {
                        dequantizeQ8_0(data, row, blocks, scratch.weights, wOff, i, scratch.d, dOff);
                    }
                }
            }
            for (int t0 = 0; t0 < tokens; t0 += TILE_TOKENS) {
                int g = t0 / TILE_TOKENS;
                for (int k = 0; k < tiles; k++) {
                    int rt = rg + k * TILE_ROWS;
                    if (Simd.WIDE) {
                        lanes4(blocks, cols, scratch.weights, k * TILE_ROWS * cols, q4, a.yT, g, scratch.d,
                                k * TILE_ROWS * blocks, a.dyT, scratch.lanes);
                    } else {
                        scaleTokens(blocks, scratch.d, k * TILE_ROWS * blocks, a.dyT, g, scratch.ddy);
                        lanes2(blocks, cols, scratch.weights, k * TILE_ROWS * cols, q4, a.yT, g, scratch.ddy,
                                scratch.lanes);
                    }
                    for (int i = 0; i < TILE_ROWS && rt + i < r1; i++) {
                        for (int v = 0; v < 2; v++) {
                            treeAndStore(scratch.lanes, (i * 2 + v) * 16 * VL, t0 + v * VL, tokens, y, stride, rt + i,
                                    scratch.out);
                        }
                    }
                }
            }
        }
    }

    /** {@code out[((row*blocks + b) * TILE_TOKENS + t]}: d*dy of the tile's rows and tokens (256 bits). */
    private static void scaleTokens(int blocks, float[] d, int dOff, float[] dyT, int g, float[] out) {
        int at0 = g * blocks * TILE_TOKENS;
        for (int i = 0; i < TILE_ROWS; i++) {
            int o0 = i * blocks * TILE_TOKENS;
            int d0 = dOff + i * blocks;
            for (int b = 0; b < blocks; b++) {
                float rowD = d[d0 + b];
                int o = o0 + b * TILE_TOKENS;
                int at = at0 + b * TILE_TOKENS;
                FloatVector.fromArray(FS, dyT, at).mul(rowD).intoArray(out, o);
                FloatVector.fromArray(FS, dyT, at + VL).mul(rowD).intoArray(out, o + VL);
            }
        }
    }

    /**
     * The 16 lane accumulators of the tile's 4 rows x 2 token vectors into {@code lanes}: per
     * lane, over the blocks of its parity, four positions of two activation loads and four
     * broadcast weights make the exact lane sums, each folded with its d*dy at once.
     */
    private static void lanes4(int blocks, int cols, float[] wq, int wOff, boolean q4, float[] yT, int g, float[] d,
            int dOff, float[] dyT, float[] lanes) {
        int tt = TILE_TOKENS;
        int gBase = g * cols;
        for (int lane = 0; lane < 16; lane++) {
            int l = lane & 7;
            int parity = lane >> 3;
            int nb = blocksOf(parity, blocks);
            int base = parity == 0 ? 0 : 32 * blocksOf(0, blocks);
            // the lane's two pairs (see position): each a run of 2 positions per block
            int first = base + (q4 ? l : 2 * l) * nb * 2;
            int second = (q4 ? 8 : 1) * nb * 2;
            FloatVector a00 = FloatVector.zero(FS);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            // every index a constant multiple of bb plus an invariant, so C2 hoists the bounds checks
            int at0 = Activations.YT_PAD + (gBase + first) * tt;
            int bt0 = at0 + second * tt;
            int wa0 = wOff + first * 4;
            int wb0 = wa0 + second * 4;
            int di0 = (g * blocks + parity) * tt;
            int d0 = dOff + parity;
            for (int bb = 0; bb < nb; bb++) {
                int at = at0 + bb * (2 * TILE_TOKENS);
                int bt = bt0 + bb * (2 * TILE_TOKENS);
                int wa = wa0 + bb * (2 * 4);
                int wb = wb0 + bb * (2 * 4);
                // the four positions' activations, then one row at a time: 8 + 8 + 2 + 4 registers (with all
                // rows' sums live at once, C2 spilled three accumulators to the stack)
                FloatVector y0 = FloatVector.fromArray(FS, yT, at);
                FloatVector y1 = FloatVector.fromArray(FS, yT, at + VL);
                FloatVector y2 = FloatVector.fromArray(FS, yT, at + tt);
                FloatVector y3 = FloatVector.fromArray(FS, yT, at + tt + VL);
                FloatVector y4 = FloatVector.fromArray(FS, yT, bt);
                FloatVector y5 = FloatVector.fromArray(FS, yT, bt + VL);
                FloatVector y6 = FloatVector.fromArray(FS, yT, bt + tt);
                FloatVector y7 = FloatVector.fromArray(FS, yT, bt + tt + VL);
                int di = di0 + bb * (2 * TILE_TOKENS);
                // d*dy made here (d of each row, dy of the block's tokens): as the reference, one product
                FloatVector dy0 = FloatVector.fromArray(FS, dyT, di);
                FloatVector dy1 = FloatVector.fromArray(FS, dyT, di + VL);
                int db = d0 + 2 * bb;
                float e0 = d[db];
                float e1 = d[db + blocks];
                float e2 = d[db + 2 * blocks];
                float e3 = d[db + 3 * blocks];
                FloatVector w0 = FloatVector.broadcast(FS, wq[wa]);
                FloatVector w1 = FloatVector.broadcast(FS, wq[wa + 4]);
                FloatVector w2 = FloatVector.broadcast(FS, wq[wb]);
                FloatVector w3 = FloatVector.broadcast(FS, wq[wb + 4]);
                a00 = w3.fma(y6, w2.fma(y4, w1.fma(y2, w0.mul(y0))))
                        .fma(dy0.mul(e0), a00);
                a01 = w3.fma(y7, w2.fma(y5, w1.fma(y3, w0.mul(y1))))
                        .fma(dy1.mul(e0), a01);
                w0 = FloatVector.broadcast(FS, wq[wa + 1]);
                w1 = FloatVector.broadcast(FS, wq[wa + 5]);
                w2 = FloatVector.broadcast(FS, wq[wb + 1]);
                w3 = FloatVector.broadcast(FS, wq[wb + 5]);
                a10 = w3.fma(y6, w2.fma(y4, w1.fma(y2, w0.mul(y0))))
                        .fma(dy0.mul(e1), a10);
                a11 = w3.fma(y7, w2.fma(y5, w1.fma(y3, w0.mul(y1))))
                        .fma(dy1.mul(e1), a11);
                w0 = FloatVector.broadcast(FS, wq[wa + 2]);
                w1 = FloatVector.broadcast(FS, wq[wa + 6]);
                w2 = FloatVector.broadcast(FS, wq[wb + 2]);
                w3 = FloatVector.broadcast(FS, wq[wb + 6]);
                a20 = w3.fma(y6, w2.fma(y4, w1.fma(y2, w0.mul(y0))))
                        .fma(dy0.mul(e2), a20);
                a21 = w3.fma(y7, w2.fma(y5, w1.fma(y3, w0.mul(y1))))
                        .fma(dy1.mul(e2), a21);
                w0 = FloatVector.broadcast(FS, wq[wa + 3]);
                w1 = FloatVector.broadcast(FS, wq[wa + 7]);
                w2 = FloatVector.broadcast(FS, wq[wb + 3]);
                w3 = FloatVector.broadcast(FS, wq[wb + 7]);
                a30 = w3.fma(y6, w2.fma(y4, w1.fma(y2, w0.mul(y0))))
                        .fma(dy0.mul(e3), a30);
                a31 = w3.fma(y7, w2.fma(y5, w1.fma(y3, w0.mul(y1))))
                        .fma(dy1.mul(e3), a31);
            }
            int at = lane * VL;
            int run = 16 * VL;
            a00.intoArray(lanes, at);
            a01.intoArray(lanes, at + run);
            a10.intoArray(lanes, at + 2 * run);
            a11.intoArray(lanes, at + 3 * run);
            a20.intoArray(lanes, at + 4 * run);
            a21.intoArray(lanes, at + 5 * run);
            a30.intoArray(lanes, at + 6 * run);
            a31.intoArray(lanes, at + 7 * run);
        }
    }

    /** As {@link #lanes4} for 2 rows (AVX2's 16 registers). */
    private static void lanes2(int blocks, int cols, float[] wq, int wOff, boolean q4, float[] yT, int g, float[] ddy,
            float[] lanes) {
        int tt = TILE_TOKENS;
        int gBase = g * cols;
        int rowDdy = blocks * tt;
        for (int lane = 0; lane < 16; lane++) {
            int l = lane & 7;
            int parity = lane >> 3;
            int nb = blocksOf(parity, blocks);
            int base = parity == 0 ? 0 : 32 * blocksOf(0, blocks);
            // the lane's two pairs (see position): each a run of 2 positions per block
            int first = base + (q4 ? l : 2 * l) * nb * 2;
            int second = (q4 ? 8 : 1) * nb * 2;
            FloatVector a00 = FloatVector.zero(FS);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            // every index a constant multiple of bb plus an invariant, so C2 hoists the bounds checks
            int at0 = Activations.YT_PAD + (gBase + first) * tt;
            int bt0 = at0 + second * tt;
            int wa0 = wOff + first * 2;
            int wb0 = wa0 + second * 2;
            int di0 = parity * tt;
            for (int bb = 0; bb < nb; bb++) {
                int at = at0 + bb * (2 * TILE_TOKENS);
                int bt = bt0 + bb * (2 * TILE_TOKENS);
                int wa = wa0 + bb * (2 * 2);
                int wb = wb0 + bb * (2 * 2);
                FloatVector y0 = FloatVector.fromArray(FS, yT, at);
                FloatVector y1 = FloatVector.fromArray(FS, yT, at + VL);
                FloatVector w;
                w = FloatVector.broadcast(FS, wq[wa]);
                FloatVector s00 = w.mul(y0);
                FloatVector s01 = w.mul(y1);
                w = FloatVector.broadcast(FS, wq[wa + 1]);
                FloatVector s10 = w.mul(y0);
                FloatVector s11 = w.mul(y1);
                y0 = FloatVector.fromArray(FS, yT, at + tt);
                y1 = FloatVector.fromArray(FS, yT, at + tt + VL);
                w = FloatVector.broadcast(FS, wq[wa + 2]);
                s00 = w.fma(y0, s00);
                s01 = w.fma(y1, s01);
                w = FloatVector.broadcast(FS, wq[wa + 3]);
                s10 = w.fma(y0, s10);
                s11 = w.fma(y1, s11);
                y0 = FloatVector.fromArray(FS, yT, bt);
                y1 = FloatVector.fromArray(FS, yT, bt + VL);
                w = FloatVector.broadcast(FS, wq[wb]);
                s00 = w.fma(y0, s00);
                s01 = w.fma(y1, s01);
                w = FloatVector.broadcast(FS, wq[wb + 1]);
                s10 = w.fma(y0, s10);
                s11 = w.fma(y1, s11);
                y0 = FloatVector.fromArray(FS, yT, bt + tt);
                y1 = FloatVector.fromArray(FS, yT, bt + tt + VL);
                w = FloatVector.broadcast(FS, wq[wb + 2]);
                s00 = w.fma(y0, s00);
                s01 = w.fma(y1, s01);
                w = FloatVector.broadcast(FS, wq[wb + 3]);
                s10 = w.fma(y0, s10);
                s11 = w.fma(y1, s11);
                int di = di0 + bb * (2 * TILE_TOKENS);
                a00 = s00.fma(FloatVector.fromArray(FS, ddy, di), a00);
                a01 = s01.fma(FloatVector.fromArray(FS, ddy, di + VL), a01);
                a10 = s10.fma(FloatVector.fromArray(FS, ddy, di + rowDdy), a10);
                a11 = s11.fma(FloatVector.fromArray(FS, ddy, di + rowDdy + VL), a11);
            }
            int at = lane * VL;
            int run = 16 * VL;
            a00.intoArray(lanes, at);
            a01.intoArray(lanes, at + run);
            a10.intoArray(lanes, at + 2 * run);
            a11.intoArray(lanes, at + 3 * run);
        }
    }

    /** The canonical tree over one (row, token vector)'s 16 lane accumulators, stored into {@code y}. */
    private static void treeAndStore(float[] lanes, int off, int t0, int tokens, float[] y, int stride, int row,
            float[] out) {
        FloatVector g0 = lane(lanes, off, 0).add(lane(lanes, off, 8)).add(lane(lanes, off, 4).add(lane(lanes, off, 12)));
        FloatVector g1 = lane(lanes, off, 1).add(lane(lanes, off, 9)).add(lane(lanes, off, 5).add(lane(lanes, off, 13)));
        FloatVector g2 = lane(lanes, off, 2).add(lane(lanes, off, 10)).add(lane(lanes, off, 6).add(lane(lanes, off, 14)));
        FloatVector g3 = lane(lanes, off, 3).add(lane(lanes, off, 11)).add(lane(lanes, off, 7).add(lane(lanes, off, 15)));
        g0.add(g2).add(g1.add(g3)).intoArray(out, 0);
        int real = Math.min(VL, tokens - t0);
        for (int j = 0, at = t0 * stride + row; j < real; j++, at += stride) {
            y[at] = out[j];
        }
    }

    private static FloatVector lane(float[] lanes, int off, int lane) {
        return FloatVector.fromArray(FS, lanes, off + lane * VL);
    }

    /** Row {@code r} of the tile at {@code wOff}: its Q8_0 quants as floats in position order, interleaved; d per block. */
    private static void dequantizeQ8_0(MemorySegment w, long row, int blocks, float[] wq, int wOff, int r, float[] d,
            int dOff) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q8_0Kernel.BLOCK_BYTES;
            d[dOff + b] = Bytes.f16(w, blk + Q8_0Kernel.D);
            // pair j of the block at position(blocks, b, 2j) = start + j * pairStride
            int start = wOff + position(blocks, b, 0) * TILE_ROWS + r;
            int pairStride = 2 * blocksOf(b & 1, blocks) * TILE_ROWS;
            for (int j = 0; j < 16; j++) {
                int at = start + j * pairStride;
                wq[at] = Bytes.i8(w, blk + Q8_0Kernel.QS + 2 * j);
                wq[at + TILE_ROWS] = Bytes.i8(w, blk + Q8_0Kernel.QS + 2 * j + 1);
            }
        }
    }

    /** As {@link #dequantizeQ8_0} for Q4_0: byte m holds weights m (low nibble) and m+16, each minus 8. */
    private static void dequantizeQ4_0(MemorySegment w, long row, int blocks, float[] wq, int wOff, int r, float[] d,
            int dOff) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q4_0Kernel.BLOCK_BYTES;
            d[dOff + b] = Bytes.f16(w, blk + Q4_0Kernel.D);
            int start = wOff + position(blocks, b, 0) * TILE_ROWS + r;
            int pairStride = 2 * blocksOf(b & 1, blocks) * TILE_ROWS;
            for (int j = 0; j < 8; j++) {
                int lo = Bytes.u8(w, blk + Q4_0Kernel.QS + 2 * j);
                int hi = Bytes.u8(w, blk + Q4_0Kernel.QS + 2 * j + 1);
                // weights 2j, 2j+1 (pair j) and 2j+16, 2j+17 (pair j+8)
                int at = start + j * pairStride;
                wq[at] = (lo & 0xF) - 8;
                wq[at + TILE_ROWS] = (hi & 0xF) - 8;
                at += 8 * pairStride;
                wq[at] = (lo >>> 4) - 8;
                wq[at + TILE_ROWS] = (hi >>> 4) - 8;
            }
        }
    }
}
