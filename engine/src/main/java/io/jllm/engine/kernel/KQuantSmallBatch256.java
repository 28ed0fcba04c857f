package io.jllm.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantSmallBatch} at 256 bits, for AVX2 machines: the same dequantized weights (16 steps
 * of a block's 16 canonical half-lanes, exact small integers), the same canonical fold and tree, so the
 * same bits as the reference, but a group's 8 tokens lie across the vector lanes
 * ({@link #tokenLanes}) instead of a block's canonical lanes.
 *
 * <p>AVX2 has 16 vector registers. With a block's lanes across the vector, a register block was
 * one row x 8 tokens, every fma loading its activation (9 loads per 8 fma; two rows x 4 tokens,
 * which would share loads, made C2 spill). With the tokens across the vector, one activation load
 * serves 12 rows whose weights are broadcast from memory (13 loads per 12 fma, but a broadcast is
 * a cheap load): a probe of the two loop shapes ran 1.4 and 2.2 fma per cycle, and the kernel went
 * from 42 to 33 calibration cycles per Q4_K block and token at 8 tokens (bench/KERNELS.md).
 */
final class KQuantSmallBatch256 {
    private static final VectorSpecies<Float> FS = Simd.F256;
    private static final VectorSpecies<Integer> IS = Simd.I256;
    private static final int GROUP = KQuantSmallBatch.GROUP;
    private static final int PASS_ROWS = KQuantSmallBatch.PASS_ROWS;
    private static final int SUMS = KQuantSmallBatch.SUMS;
    private static final int MINS = KQuantSmallBatch.MINS;
    private static final int ACC = KQuantSmallBatch.ACC;
    private static final int GROUP_BLOCK = KQuantSmallBatch.GROUP_BLOCK;
    private static final int LANES = KQuantSmallBatch.LANES;
    /** Where {@link #tokenLanes} keeps, per row of the pass, d*dy and -(dmin*dy) of the group's tokens (in the sums' room). */
    private static final int DD = SUMS + PASS_ROWS * GROUP;
    private static final int ND = DD + PASS_ROWS * GROUP;

    /** Per lane j: 8*(j%4), the byte of an int a Q4_K min comes from. */
    private static final IntVector QUARTER_SHIFT = IntVector.fromArray(IS, new int[] {0, 8, 16, 24, 0, 8, 16, 24}, 0);
    /** Lanes 4-7 take their Q4_K min from the packed mins' upper int (mins 4-7). */
    private static final VectorMask<Integer> UPPER_MINS = VectorMask.fromLong(IS, 0xF0);
    /**
     * Left shifts that bring a lane's Q6_K scale byte to the top of the int: lanes 0-7 of a step
     * take bytes 0 (lanes 0-3) and 1 (4-7) of the four scales, lanes 8-15 bytes 2 and 3.
     */
    private static final IntVector Q6_SCALE_LO = IntVector.fromArray(IS, new int[] {24, 24, 24, 24, 16, 16, 16, 16}, 0);
    private static final IntVector Q6_SCALE_HI = IntVector.fromArray(IS, new int[] {8, 8, 8, 8, 0, 0, 0, 0}, 0);
    private static final int MAGIC = KQuantSmallBatch.MAGIC;

    private KQuantSmallBatch256() {
    }

    /**
     * Block {@code b} of the pass's {@link KQuantSmallBatch#PASS_ROWS} rows (dequantized at
     * {@link KQuantSmallBatch#W0}, row r at {@code r*256}, position {@code s*16 + lane}) times every
     * group's tokens, with the tokens across the vector lanes:
     * per canonical lane j, the 32 positions of half-lanes j and j+8 ({@code 8m + j}: step m/2,
     * half-lane j + 8*(m%2)), each one activation load (the group's 8 tokens at one position) and
     * 12 weights broadcast from memory into 12 fma, one per row, leaving each row's exact lane sum
     * {@code S'_j = S_j + S_{j+8}} for all 8 tokens in one register (integers up to 2^24, so the
     * interleaved order gives the same bits). The sums then go through memory into the canonical
     * fold, one row at a time: {@code acc = fma(d*dy, S', acc)} and (Q4_K)
     * {@code acc = fma(-(dmin*dy), min_j*(bsum_2j + bsum_2j+1), acc)}, with {@code dy} and the block
     * sums as vectors over the tokens; every (row, lane) of a group is one 8-token vector of
     * accumulators ({@link #storeTokenLaneTrees}). Eight folds per block instead of the 16 of
     * half-lanes folded apart.
     */
    static void tokenLanes(int b, int groups, int blocks, KQuantSmallBatch.Scratch scratch, boolean q4k,
            Activations a, int yBase, int extra) {
        float[] w = scratch.buf;
        float[] yT = a.smallBatch;
        float[] sc = scratch.scales;
        for (int g = 0; g < groups; g++) {
            int gb = g * blocks + b;
            // d*dy and -(dmin*dy) per row for the group's tokens: rounded as the reference's scalars
            FloatVector dy = FloatVector.fromArray(FS, yT, extra + gb * GROUP);
            for (int r = 0; r < PASS_ROWS; r++) {
                dy.mul(sc[2 * r]).intoArray(w, DD + r * GROUP);
                // -(dmin*dy) as (-dmin)*dy: rounding to nearest is symmetric, so the same bits
                dy.mul(-sc[2 * r + 1]).intoArray(w, ND + r * GROUP);
            }
            int yOff = yBase + gb * GROUP_BLOCK;
            int bsums = extra + groups * blocks * GROUP + gb * 16 * GROUP;
            int acc = ACC + g * PASS_ROWS * GROUP * LANES;
            for (int lane = 0; lane < LANES; lane++) {
                FloatVector zero = FloatVector.zero(FS);
                FloatVector p0 = zero;
                FloatVector p1 = zero;
                FloatVector p2 = zero;
                FloatVector p3 = zero;
                FloatVector p4 = zero;
                FloatVector p5 = zero;
                FloatVector p6 = zero;
                FloatVector p7 = zero;
                FloatVector p8 = zero;
                FloatVector p9 = zero;
                FloatVector p10 = zero;
                FloatVector p11 = zero;
                for (int m = 0; m < 32; m++) {
                    FloatVector x = FloatVector.fromArray(FS, yT, yOff + (m * 8 + lane) * GROUP);
                    int o = KQuantSmallBatch.W0 + m * 8 + lane;
                    p0 = FloatVector.broadcast(FS, w[o]).fma(x, p0);
                    p1 = FloatVector.broadcast(FS, w[o + 256]).fma(x, p1);
                    p2 = FloatVector.broadcast(FS, w[o + 512]).fma(x, p2);
                    p3 = FloatVector.broadcast(FS, w[o + 768]).fma(x, p3);
                    p4 = FloatVector.broadcast(FS, w[o + 1024]).fma(x, p4);
                    p5 = FloatVector.broadcast(FS, w[o + 1280]).fma(x, p5);
                    p6 = FloatVector.broadcast(FS, w[o + 1536]).fma(x, p6);
                    p7 = FloatVector.broadcast(FS, w[o + 1792]).fma(x, p7);
                    p8 = FloatVector.broadcast(FS, w[o + 2048]).fma(x, p8);
                    p9 = FloatVector.broadcast(FS, w[o + 2304]).fma(x, p9);
                    p10 = FloatVector.broadcast(FS, w[o + 2560]).fma(x, p10);
                    p11 = FloatVector.broadcast(FS, w[o + 2816]).fma(x, p11);
                }
                p0.intoArray(w, SUMS + 0);
                p1.intoArray(w, SUMS + 8);
                p2.intoArray(w, SUMS + 16);
                p3.intoArray(w, SUMS + 24);
                p4.intoArray(w, SUMS + 32);
                p5.intoArray(w, SUMS + 40);
                p6.intoArray(w, SUMS + 48);
                p7.intoArray(w, SUMS + 56);
                p8.intoArray(w, SUMS + 64);
                p9.intoArray(w, SUMS + 72);
                p10.intoArray(w, SUMS + 80);
                p11.intoArray(w, SUMS + 88);
                if (q4k) {
                    // the sub-block's two half sums (half-lanes j and j+8), exact integers
                    FloatVector bsum = FloatVector.fromArray(FS, yT, bsums + lane * GROUP)
                            .add(FloatVector.fromArray(FS, yT, bsums + (lane + 8) * GROUP));
                    for (int r = 0; r < PASS_ROWS; r++) {
                        int i = acc + (r * LANES + lane) * GROUP;
                        FloatVector v = FloatVector.fromArray(FS, w, SUMS + r * GROUP)
                                .fma(FloatVector.fromArray(FS, w, DD + r * GROUP), FloatVector.fromArray(FS, w, i));
                        bsum.mul(w[MINS + r * 16 + lane]).fma(FloatVector.fromArray(FS, w, ND + r * GROUP), v)
                                .intoArray(w, i);
                    }
                } else {
                    for (int r = 0; r < PASS_ROWS; r++) {
                        int i = acc + (r * LANES + lane) * GROUP;
                        FloatVector.fromArray(FS, w, SUMS + r * GROUP)
                                .fma(FloatVector.fromArray(FS, w, DD + r * GROUP), FloatVector.fromArray(FS, w, i))
                                .intoArray(w, i);
                    }
                }
            }
        }
    }

    /**
     * {@link Simd#tree8} of one row's 8 lane accumulators of a group ({@link #tokenLanes}: lane
     * {@code j}'s 8 tokens at {@code off + 8j}), the canonical {@link Simd#tree16} of them and 8
     * zeros, all 8 tokens at once, into {@code y[at + t*stride]} for the {@code real} tokens.
     */
    static void storeTokenLaneTrees(float[] acc, int off, float[] out, int real, float[] y, int at, int stride) {
        FloatVector h0 = FloatVector.fromArray(FS, acc, off);
        FloatVector h1 = FloatVector.fromArray(FS, acc, off + 8);
        FloatVector h2 = FloatVector.fromArray(FS, acc, off + 16);
        FloatVector h3 = FloatVector.fromArray(FS, acc, off + 24);
        FloatVector h4 = FloatVector.fromArray(FS, acc, off + 32);
        FloatVector h5 = FloatVector.fromArray(FS, acc, off + 40);
        FloatVector h6 = FloatVector.fromArray(FS, acc, off + 48);
        FloatVector h7 = FloatVector.fromArray(FS, acc, off + 56);
        h0.add(h4).add(h2.add(h6)).add(h1.add(h5).add(h3.add(h7))).intoArray(out, 0);
        for (int t = 0; t < real; t++) {
            y[at + t * stride] = out[t];
        }
    }

    /**
     * Block {@code first} of the pass's rows (row r's at {@code first + min(r, last)*rowBytes}) into
     * row r of the layout, as {@link KQuantSmallBatch}'s: a chunk pair's
     * 64 nibble bytes as two 8-int vectors (int j of the pair's 16 holds canonical lane j's four
     * bytes); lanes 0-7 of a step share one 6-bit scale and lanes 8-15 another.
     */
    static void dequantizeQ4K(MemorySegment w, long first, long rowBytes, int rows, int last,
            KQuantSmallBatch.Scratch scratch) {
        for (int r = 0; r < rows; r++) {
            long blk = first + Math.min(r, last) * rowBytes;
            float[] out = scratch.buf;
            long lo8 = w.get(Simd.LONG_LE, blk + Q4KKernel.SCALES);
            int hi4 = w.get(Simd.INT_LE, blk + Q4KKernel.SCALES + 8);
            long sc = Q4KKernel.packedScales(lo8, hi4);
            long mn = Q4KKernel.packedMins(lo8, hi4);
            scratch.scales[2 * r] = Bytes.f16(w, blk + Q4KKernel.D);
            scratch.scales[2 * r + 1] = Bytes.f16(w, blk + Q4KKernel.DMIN);
            FloatVector mins = (FloatVector) IntVector.broadcast(IS, (int) mn).blend((int) (mn >>> 32), UPPER_MINS)
                    .lanewise(VectorOperators.LSHR, QUARTER_SHIFT).and(0xFF).convert(VectorOperators.I2F, 0);
            // lane j: min_j, the min of canonical lane j's sub-block
            mins.intoArray(scratch.buf, MINS + r * 16);
            // quarter h = 2*half + lanes: the chunk pair's lanes 0-7 (lanes 0) or 8-15; written out per
            // (nibble, byte) so every shift is a constant (C2 did not unroll four nested loops)
            for (int h = 0; h < 4; h++) {
                IntVector x = IntVector.fromMemorySegment(IS, w, blk + Q4KKernel.QS + 32 * h, Simd.LE);
                // sub-blocks 2h (low nibbles) and 2h + 1 (high nibbles)
                float lo = (float) ((sc >>> (16 * h)) & 0xFF);
                float hi = (float) ((sc >>> (16 * h + 8)) & 0xFF);
                FloatVector s0 = FloatVector.broadcast(FS, lo);
                FloatVector b0 = FloatVector.broadcast(FS, lo * -0x1p23f);
                FloatVector s1 = FloatVector.broadcast(FS, hi);
                FloatVector b1 = FloatVector.broadcast(FS, hi * -0x1p23f);
                // step 8*half + 4*nibble + k at 16 floats each
                int o = KQuantSmallBatch.W0 + r * 256 + 128 * (h >> 1) + 8 * (h & 1);
                x.and(0xF).or(MAGIC).reinterpretAsFloats().fma(s0, b0).intoArray(out, o);
                x.lanewise(VectorOperators.LSHR, 8).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s0, b0)
                        .intoArray(out, o + 16);
                x.lanewise(VectorOperators.LSHR, 16).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s0, b0)
                        .intoArray(out, o + 32);
                x.lanewise(VectorOperators.LSHR, 24).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s0, b0)
                        .intoArray(out, o + 48);
                x.lanewise(VectorOperators.LSHR, 4).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s1, b1)
                        .intoArray(out, o + 64);
                x.lanewise(VectorOperators.LSHR, 12).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s1, b1)
                        .intoArray(out, o + 80);
                x.lanewise(VectorOperators.LSHR, 20).and(0xF).or(MAGIC).reinterpretAsFloats().fma(s1, b1)
                        .intoArray(out, o + 96);
                x.lanewise(VectorOperators.LSHR, 28).or(MAGIC).reinterpretAsFloats().fma(s1, b1)
                        .intoArray(out, o + 112);
            }
        }
    }

    /**
     * Block {@code first} of the pass's rows into the layout, as {@link KQuantSmallBatch}'s: per half and
     * 8 lanes, 32 ql bytes as 8 ints and the half's 32 qh bytes as 8 ints (lanes 8-15 read their
     * 2-bit pairs two bits higher).
     */
    static void dequantizeQ6K(MemorySegment w, long first, long rowBytes, int rows, int last,
            KQuantSmallBatch.Scratch scratch) {
        for (int r = 0; r < rows; r++) {
            long blk = first + Math.min(r, last) * rowBytes;
            scratch.scales[2 * r] = Bytes.f16(w, blk + Q6KKernel.D);
            float[] out = scratch.buf;
            // quarter h = 2*half + lanes, written out per (nibble, byte) as in dequantizeQ4K
            for (int h = 0; h < 4; h++) {
                int half = h >> 1;
                IntVector ql = IntVector.fromMemorySegment(IS, w, blk + Q6KKernel.QL + 32 * h, Simd.LE);
                IntVector qh = IntVector.fromMemorySegment(IS, w, blk + Q6KKernel.QH + 32 * half, Simd.LE)
                        .lanewise(VectorOperators.LSHR, 2 * (h & 1));
                IntVector shift = (h & 1) == 0 ? Q6_SCALE_LO : Q6_SCALE_HI;
                FloatVector s0 = (FloatVector) IntVector.broadcast(IS,
                        w.get(Simd.INT_LE, blk + Q6KKernel.SCALES + 8 * half))
                        .lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0);
                FloatVector s1 = (FloatVector) IntVector.broadcast(IS,
                        w.get(Simd.INT_LE, blk + Q6KKernel.SCALES + 8 * half + 4))
                        .lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0);
                FloatVector b0 = s0.mul(-32f);
                FloatVector b1 = s1.mul(-32f);
                int o = KQuantSmallBatch.W0 + r * 256 + 128 * half + 8 * (h & 1);
                // nibble n, byte k: ql bits 8k + 4n, and the pair at qh bits 8k + 4n moved to bits 4-5
                IntVector q = ql.and(0xF).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s0, b0).intoArray(out, o);
                q = ql.lanewise(VectorOperators.LSHR, 8).and(0xF).or(qh.lanewise(VectorOperators.LSHR, 4).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s0, b0).intoArray(out, o + 16);
                q = ql.lanewise(VectorOperators.LSHR, 16).and(0xF).or(qh.lanewise(VectorOperators.LSHR, 12).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s0, b0).intoArray(out, o + 32);
                q = ql.lanewise(VectorOperators.LSHR, 24).and(0xF).or(qh.lanewise(VectorOperators.LSHR, 20).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s0, b0).intoArray(out, o + 48);
                q = ql.lanewise(VectorOperators.LSHR, 4).and(0xF).or(qh.and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s1, b1).intoArray(out, o + 64);
                q = ql.lanewise(VectorOperators.LSHR, 12).and(0xF).or(qh.lanewise(VectorOperators.LSHR, 8).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s1, b1).intoArray(out, o + 80);
                q = ql.lanewise(VectorOperators.LSHR, 20).and(0xF).or(qh.lanewise(VectorOperators.LSHR, 16).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s1, b1).intoArray(out, o + 96);
                q = ql.lanewise(VectorOperators.LSHR, 28).or(qh.lanewise(VectorOperators.LSHR, 24).and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s1, b1).intoArray(out, o + 112);
            }
        }
    }
}
