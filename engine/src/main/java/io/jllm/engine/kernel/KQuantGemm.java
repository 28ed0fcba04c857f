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
 * <p>Same bits as the integer kernels: every canonical lane sum {@code S_L} (16 products of at most
 * 945*127 for Q4_K or 4096*127 for Q6_K) is an integer below 2^24, exact in float whatever the
 * order, and the float part (one fma with d*dy per lane and block, the Q4_K min term, the lane
 * tree) is the canonical one, done lane-wise over tokens. Which path runs is a matter of speed only.
 *
 * <p>Tile: 4 rows x 2 vectors of tokens; for each canonical lane, all blocks of the row in turn,
 * with the tile's 8 lane accumulators in registers: per weight, two activation loads and four
 * broadcasts feed eight fma. Per-thread scratch (the tile's dequantized rows, per-block scales and
 * finished lanes) lives in a thread-local buffer that grows once to the widest row seen.
 */
final class KQuantGemm {
    static final VectorSpecies<Float> FS = Simd.WIDE ? Simd.F512 : Simd.F256;
    private static final VectorSpecies<Integer> IS = Simd.WIDE ? Simd.I512 : Simd.I256;
    private static final VectorSpecies<Byte> BS = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final int VL = FS.length();
    /** Tokens per tile. */
    static final int TILE_TOKENS = 2 * VL;
    static final int TILE_ROWS = 4;
    /**
     * The smallest batch this path is used for (measured: bench/KERNELS.md); the system property
     * {@code jllm.gemm.minTokens} overrides it, for benchmarks comparing both paths.
     */
    static final int MIN_TOKENS = Integer.getInteger("jllm.gemm.minTokens", 32);

    /** Q4_K canonical lanes: the 16 weight indices (within a block) of each lane. */
    static final int[] Q4K_LANES = q4kLanes();
    static final int[] Q6K_LANES = q6kLanes();

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private KQuantGemm() {
    }

    private static final class Scratch {
        float[] weights = new float[0];
        /** Per tile row and block: d, dmin and the eight mins. */
        float[] blockScales = new float[0];
        final float[] lanes = new float[TILE_ROWS * 16 * TILE_TOKENS];
        /** Per tile row, block and token of the tile: d*dy, then -(dmin*dy). */
        float[] blockDy = new float[0];

        void ensure(int cols) {
            if (weights.length < TILE_ROWS * cols) {
                weights = new float[TILE_ROWS * cols];
                blockScales = new float[TILE_ROWS * cols / 256 * 10];
                blockDy = new float[TILE_ROWS * cols / 256 * 2 * TILE_TOKENS];
            }
        }
    }

    private static int[] q4kLanes() {
        int[] lanes = new int[256];
        for (int lane = 0; lane < 16; lane++) {
            int k = 0;
            for (int c = lane / 8; c < 4; c += 2) {
                for (int high = 0; high < 2; high++) {
                    for (int e = 0; e < 4; e++) {
                        lanes[lane * 16 + k++] = 64 * c + 32 * high + 4 * (lane % 8) + e;
                    }
                }
            }
        }
        return lanes;
    }

    private static int[] q6kLanes() {
        int[] lanes = new int[256];
        for (int lane = 0; lane < 16; lane++) {
            int k = 0;
            for (int h = 0; h < 2; h++) {
                for (int high = 0; high < 2; high++) {
                    for (int e = 0; e < 4; e++) {
                        lanes[lane * 16 + k++] = 128 * h + 32 * (lane / 8) + 64 * high + 4 * (lane % 8) + e;
                    }
                }
            }
        }
        return lanes;
    }

    /** Whether a batch of {@code tokens} takes this path. */
    static boolean suits(int tokens) {
        // at least one whole tile, so the padded transposed layout fits the activations' buffers
        return tokens >= Math.max(MIN_TOKENS, TILE_TOKENS);
    }

    /**
     * Fills the transposed activations, one tile of tokens after another so that a tile's data is
     * contiguous (a power-of-two stride between tokens' rows would thrash the cache's sets): quant
     * {@code w} of block {@code b} for token {@code t} at {@code ((g*cols + b*256 + w) * TILE_TOKENS + t%TILE_TOKENS)}
     * with {@code g = t / TILE_TOKENS}, as a float; {@link Activations#dyT} and {@link Activations#ksT}
     * likewise per block (and lane); tokens padded with zeros to whole tiles.
     */
    static void layoutActivations(Activations a, int tokens, int cols) {
        int tPad = (tokens + TILE_TOKENS - 1) / TILE_TOKENS * TILE_TOKENS;
        int blocks = cols / 256;
        float[] yT = a.yT;
        for (int g = 0; g < tPad / TILE_TOKENS; g++) {
            int t0 = g * TILE_TOKENS;
            int real = Math.min(TILE_TOKENS, tokens - t0);
            // weight-major within the tile: contiguous writes, reads from TILE_TOKENS rows at once
            for (int i = 0; i < cols; i++) {
                int dst = (g * cols + i) * TILE_TOKENS;
                int src = t0 * cols + i;
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
        int tPad = (tokens + TILE_TOKENS - 1) / TILE_TOKENS * TILE_TOKENS;
        Scratch scratch = SCRATCH.get();
        scratch.ensure(cols);
        float[] wq = scratch.weights;
        float[] bsc = scratch.blockScales;
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int[] lanes = q4k ? Q4K_LANES : Q6K_LANES;
        // row tiles outside, token tiles inside: a row tile is dequantized once for the whole batch
        // (tried the other order, which keeps a token tile's activations in cache: slower, as the
        // weights are then read and dequantized once per token tile)
        for (int rt = r0; rt < r1; rt += TILE_ROWS) {
            for (int i = 0; i < TILE_ROWS; i++) {
                // a tile past the last row repeats it: same work, same values, stored once
                long row = Math.min(rt + i, r1 - 1) * rowBytes;
                if (q4k) {
                    dequantizeQ4K(data, row, blocks, wq, i * cols, bsc, i * blocks * 10);
                } else {
                    dequantizeQ6K(data, row, blocks, wq, i * cols, bsc, i * blocks * 10);
                }
            }
            for (int t0 = 0; t0 < tokens; t0 += TILE_TOKENS) {
                scaleTokens(blocks, bsc, a.dyT, tPad, t0, scratch.blockDy);
                for (int lane = 0; lane < 16; lane++) {
                    laneOfTile(lane, blocks, cols, wq, bsc, scratch.blockDy, lanes, q4k, a, tPad, t0, scratch.lanes);
                }
                store(scratch.lanes, rt, r1, t0, tokens, y, stride);
            }
        }
    }

    /**
     * {@code out[((row*blocks + b)*2 + m)*TILE_TOKENS + t]}: d*dy (m = 0) and -(dmin*dy) (m = 1) of
     * the tile's tokens.
     */
    private static void scaleTokens(int blocks, float[] bsc, float[] dyT, int tPad, int t0, float[] out) {
        for (int i = 0; i < TILE_ROWS; i++) {
            for (int b = 0; b < blocks; b++) {
                int s = (i * blocks + b) * 10;
                int o = (i * blocks + b) * 2 * TILE_TOKENS;
                for (int v = 0; v < 2; v++) {
                    int at = ((t0 / TILE_TOKENS) * blocks + b) * TILE_TOKENS + v * VL;
                    FloatVector dy = FloatVector.fromArray(FS, dyT, at);
                    dy.mul(bsc[s]).intoArray(out, o + v * VL);
                    dy.mul(bsc[s + 1]).neg().intoArray(out, o + TILE_TOKENS + v * VL);
                }
            }
        }
    }

    /**
     * Canonical lane {@code lane} of the tile's 4 rows x 2 token vectors over every block, left in
     * {@code out[(row*16 + lane) * TILE_TOKENS ..]}.
     */
    private static void laneOfTile(int lane, int blocks, int cols, float[] wq, float[] bsc, float[] bdy, int[] lanes,
            boolean q4k, Activations a, int tPad, int t0, float[] out) {
        float[] yT = a.yT;
        int c1 = cols;
        int c2 = 2 * cols;
        int c3 = 3 * cols;
        int b1 = blocks * 10;
        int b2 = 2 * blocks * 10;
        int b3 = 3 * blocks * 10;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        int lane16 = lane * 16;
        int g = t0 / TILE_TOKENS;
        int gBase = g * cols;
        for (int b = 0; b < blocks; b++) {
            FloatVector s00 = FloatVector.zero(FS);
            FloatVector s01 = s00;
            FloatVector s10 = s00;
            FloatVector s11 = s00;
            FloatVector s20 = s00;
            FloatVector s21 = s00;
            FloatVector s30 = s00;
            FloatVector s31 = s00;
            int wb = b * 256;
            for (int k = 0; k < 16; k++) {
                int wi = wb + lanes[lane16 + k];
                int at = (gBase + wi) * TILE_TOKENS;
                FloatVector y0 = FloatVector.fromArray(FS, yT, at);
                FloatVector y1 = FloatVector.fromArray(FS, yT, at + VL);
                FloatVector w0 = FloatVector.broadcast(FS, wq[wi]);
                FloatVector w1 = FloatVector.broadcast(FS, wq[c1 + wi]);
                FloatVector w2 = FloatVector.broadcast(FS, wq[c2 + wi]);
                FloatVector w3 = FloatVector.broadcast(FS, wq[c3 + wi]);
                s00 = w0.fma(y0, s00);
                s01 = w0.fma(y1, s01);
                s10 = w1.fma(y0, s10);
                s11 = w1.fma(y1, s11);
                s20 = w2.fma(y0, s20);
                s21 = w2.fma(y1, s21);
                s30 = w3.fma(y0, s30);
                s31 = w3.fma(y1, s31);
            }
            int d0 = b * 2 * TILE_TOKENS;
            int d1 = (blocks + b) * 2 * TILE_TOKENS;
            int d2 = (2 * blocks + b) * 2 * TILE_TOKENS;
            int d3 = (3 * blocks + b) * 2 * TILE_TOKENS;
            a00 = s00.fma(FloatVector.fromArray(FS, bdy, d0), a00);
            a01 = s01.fma(FloatVector.fromArray(FS, bdy, d0 + VL), a01);
            a10 = s10.fma(FloatVector.fromArray(FS, bdy, d1), a10);
            a11 = s11.fma(FloatVector.fromArray(FS, bdy, d1 + VL), a11);
            a20 = s20.fma(FloatVector.fromArray(FS, bdy, d2), a20);
            a21 = s21.fma(FloatVector.fromArray(FS, bdy, d2 + VL), a21);
            a30 = s30.fma(FloatVector.fromArray(FS, bdy, d3), a30);
            a31 = s31.fma(FloatVector.fromArray(FS, bdy, d3 + VL), a31);
            if (q4k) {
                // the min term: -(dmin*dy) times min_j * bsum of this lane's half of sub-block j
                int ks = ((g * blocks + b) * 16 + lane) * TILE_TOKENS;
                FloatVector bs0 = FloatVector.fromArray(FS, a.ksT, ks);
                FloatVector bs1 = FloatVector.fromArray(FS, a.ksT, ks + VL);
                int mj = b * 10 + 2 + lane % 8;
                int m = TILE_TOKENS;
                a00 = bs0.mul(bsc[mj]).fma(FloatVector.fromArray(FS, bdy, d0 + m), a00);
                a01 = bs1.mul(bsc[mj]).fma(FloatVector.fromArray(FS, bdy, d0 + m + VL), a01);
                a10 = bs0.mul(bsc[b1 + mj]).fma(FloatVector.fromArray(FS, bdy, d1 + m), a10);
                a11 = bs1.mul(bsc[b1 + mj]).fma(FloatVector.fromArray(FS, bdy, d1 + m + VL), a11);
                a20 = bs0.mul(bsc[b2 + mj]).fma(FloatVector.fromArray(FS, bdy, d2 + m), a20);
                a21 = bs1.mul(bsc[b2 + mj]).fma(FloatVector.fromArray(FS, bdy, d2 + m + VL), a21);
                a30 = bs0.mul(bsc[b3 + mj]).fma(FloatVector.fromArray(FS, bdy, d3 + m), a30);
                a31 = bs1.mul(bsc[b3 + mj]).fma(FloatVector.fromArray(FS, bdy, d3 + m + VL), a31);
            }
        }
        int o = lane * TILE_TOKENS;
        int row = 16 * TILE_TOKENS;
        a00.intoArray(out, o);
        a01.intoArray(out, o + VL);
        a10.intoArray(out, row + o);
        a11.intoArray(out, row + o + VL);
        a20.intoArray(out, 2 * row + o);
        a21.intoArray(out, 2 * row + o + VL);
        a30.intoArray(out, 3 * row + o);
        a31.intoArray(out, 3 * row + o + VL);
    }

    /** The canonical tree over the 16 lanes of each (row, token) of the tile, stored into y. */
    private static void store(float[] lanes, int rt, int r1, int t0, int tokens, float[] y, int stride) {
        int tt = TILE_TOKENS;
        for (int i = 0; i < TILE_ROWS && rt + i < r1; i++) {
            for (int v = 0; v < 2; v++) {
                int base = i * 16 * tt + v * VL;
                FloatVector h0 = FloatVector.fromArray(FS, lanes, base)
                        .add(FloatVector.fromArray(FS, lanes, base + 8 * tt));
                FloatVector h1 = FloatVector.fromArray(FS, lanes, base + tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 9 * tt));
                FloatVector h2 = FloatVector.fromArray(FS, lanes, base + 2 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 10 * tt));
                FloatVector h3 = FloatVector.fromArray(FS, lanes, base + 3 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 11 * tt));
                FloatVector h4 = FloatVector.fromArray(FS, lanes, base + 4 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 12 * tt));
                FloatVector h5 = FloatVector.fromArray(FS, lanes, base + 5 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 13 * tt));
                FloatVector h6 = FloatVector.fromArray(FS, lanes, base + 6 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 14 * tt));
                FloatVector h7 = FloatVector.fromArray(FS, lanes, base + 7 * tt)
                        .add(FloatVector.fromArray(FS, lanes, base + 15 * tt));
                FloatVector g0 = h0.add(h4);
                FloatVector g1 = h1.add(h5);
                FloatVector g2 = h2.add(h6);
                FloatVector g3 = h3.add(h7);
                FloatVector r = g0.add(g2).add(g1.add(g3));
                for (int j = 0; j < VL; j++) {
                    int t = t0 + v * VL + j;
                    if (t < tokens) {
                        y[t * stride + rt + i] = r.lane(j);
                    }
                }
            }
        }
    }

    /**
     * Row {@code q*scale} values of Q4_K blocks in natural weight order, and per block d, dmin and
     * the eight mins at {@code scales[sOff + 10*b ..]}.
     */
    private static void dequantizeQ4K(MemorySegment w, long row, int blocks, float[] out, int off, float[] scales,
            int sOff) {
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * Q4KKernel.BLOCK_BYTES;
            long lo8 = w.get(Simd.LONG_LE, blk + Q4KKernel.SCALES);
            int hi4 = w.get(Simd.INT_LE, blk + Q4KKernel.SCALES + 8);
            long sc = Q4KKernel.packedScales(lo8, hi4);
            long mn = Q4KKernel.packedMins(lo8, hi4);
            int s = sOff + 10 * b;
            scales[s] = Bytes.f16(w, blk + Q4KKernel.D);
            scales[s + 1] = Bytes.f16(w, blk + Q4KKernel.DMIN);
            for (int j = 0; j < 8; j++) {
                scales[s + 2 + j] = (mn >>> (8 * j)) & 0xFF;
            }
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

    /** Row {@code (q-32)*scale} values of Q6_K blocks in natural weight order, and per block d. */
    private static void dequantizeQ6K(MemorySegment w, long row, int blocks, float[] out, int off, float[] scales,
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
