package io.jllm.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantSmallBatch} at 256 bits, for AVX2 machines: the same dequantized-weight layout
 * (16 steps of the block's 16 canonical lanes), the same activation layout and the same canonical
 * fold and tree, so the same bits as the reference; each step's 16 lanes are two 8-lane vectors.
 *
 * <p>AVX2 has 16 vector registers, so a register block is one row x a group's 8 tokens of one
 * 8-lane half (8 lane-sum registers; the activations are fma memory operands), where the 512-bit
 * kernel's 3 rows x 8 tokens take 28 of AVX-512's 32; the fold takes two rows at a time. A pass takes
 * {@link KQuantSmallBatch#PASS_ROWS} rows block by block, as there, so a block's weights and
 * activations stay in L1 for every row pair.
 */
final class KQuantSmallBatch256 {
    private static final VectorSpecies<Float> FS = Simd.F256;
    private static final VectorSpecies<Integer> IS = Simd.I256;
    private static final int GROUP = KQuantSmallBatch.GROUP;
    /** Rows per fold. */
    static final int ROWS = 2;
    private static final int PASS_ROWS = KQuantSmallBatch.PASS_ROWS;
    private static final int SUMS = KQuantSmallBatch.SUMS;
    private static final int MINS = KQuantSmallBatch.MINS;
    private static final int ACC = KQuantSmallBatch.ACC;
    private static final int GROUP_BLOCK = KQuantSmallBatch.GROUP_BLOCK;

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
     * Block {@code b} of every row pair of the pass times the tokens of every group into the lane
     * accumulators of {@link KQuantSmallBatch.Scratch}: per (group, pair) the lane sums, then the
     * canonical fold.
     */
    static void block(int b, int groups, int pairs, int blocks, KQuantSmallBatch.Scratch scratch, boolean q4k,
            Activations a, int yBase, int tokens) {
        for (int gp = 0; gp < groups * pairs; gp++) {
            int g = gp / pairs;
            int pair = gp - g * pairs;
            int at = yBase + (g * blocks + b) * GROUP_BLOCK;
            sums(scratch.buf, KQuantSmallBatch.W0 + pair * ROWS * 256, a.smallBatch, at, scratch.buf, SUMS);
            sums(scratch.buf, KQuantSmallBatch.W0 + pair * ROWS * 256 + 256, a.smallBatch, at, scratch.buf,
                    SUMS + GROUP * 16);
            fold(scratch, q4k, a, b, blocks, pair, g, tokens);
        }
    }

    /**
     * One block's exact lane sums of one row (dequantized at {@code wOff}) and a group's 8 tokens
     * (activations at {@code yOff}) into {@code sums} from {@code so}: per 8-lane half, 16 steps of
     * one weight load and 8 fma, each reading its activation straight from memory. With 8 lane-sum
     * registers C2 can unroll the step loop without spilling; 2 rows x 4 tokens sharing the
     * activation loads (11 registers) spilled half its sums once unrolled.
     */
    private static void sums(float[] wq, int wOff, float[] yT, int yOff, float[] sums, int so) {
        for (int half = 0; half < 16; half += 8) {
            FloatVector zero = FloatVector.zero(FS);
            FloatVector p0 = zero;
            FloatVector p1 = zero;
            FloatVector p2 = zero;
            FloatVector p3 = zero;
            FloatVector p4 = zero;
            FloatVector p5 = zero;
            FloatVector p6 = zero;
            FloatVector p7 = zero;
            for (int s = 0; s < 16; s++) {
                FloatVector u = FloatVector.fromArray(FS, wq, wOff + s * 16 + half);
                int at = yOff + s * GROUP * 16 + half;
                p0 = u.fma(FloatVector.fromArray(FS, yT, at), p0);
                p1 = u.fma(FloatVector.fromArray(FS, yT, at + 16), p1);
                p2 = u.fma(FloatVector.fromArray(FS, yT, at + 32), p2);
                p3 = u.fma(FloatVector.fromArray(FS, yT, at + 48), p3);
                p4 = u.fma(FloatVector.fromArray(FS, yT, at + 64), p4);
                p5 = u.fma(FloatVector.fromArray(FS, yT, at + 80), p5);
                p6 = u.fma(FloatVector.fromArray(FS, yT, at + 96), p6);
                p7 = u.fma(FloatVector.fromArray(FS, yT, at + 112), p7);
            }
            int o = so + half;
            p0.intoArray(sums, o);
            p1.intoArray(sums, o + 16);
            p2.intoArray(sums, o + 32);
            p3.intoArray(sums, o + 48);
            p4.intoArray(sums, o + 64);
            p5.intoArray(sums, o + 80);
            p6.intoArray(sums, o + 96);
            p7.intoArray(sums, o + 112);
        }
    }

    /**
     * The canonical fold of block {@code b} for the pair's two rows and group {@code g}'s tokens,
     * lane by lane as {@link KQuantSmallBatch}'s: {@code acc = fma(d*dy, S, acc)}, then (Q4_K)
     * {@code acc = fma(-(dmin*dy), min*bsum, acc)}.
     */
    private static void fold(KQuantSmallBatch.Scratch scratch, boolean q4k, Activations a, int b, int blocks,
            int pair, int g, int tokens) {
        float[] sums = scratch.buf;
        float[] acc = scratch.buf;
        float[] dy = a.scales;
        float[] ks = a.ksums;
        float[] sc = scratch.scales;
        int t0 = g * GROUP;
        int rb = ROWS * pair;
        FloatVector d0 = FloatVector.broadcast(FS, sc[2 * rb]);
        FloatVector d1 = FloatVector.broadcast(FS, sc[2 * (rb + 1)]);
        int a0 = ACC + (g * PASS_ROWS + rb) * GROUP * 16;
        int a1 = a0 + GROUP * 16;
        if (q4k) {
            // -(dmin*dy) as (-dmin)*dy: rounding to nearest is symmetric, so the same bits
            FloatVector n0 = FloatVector.broadcast(FS, -sc[2 * rb + 1]);
            FloatVector n1 = FloatVector.broadcast(FS, -sc[2 * (rb + 1) + 1]);
            for (int t = 0; t < GROUP; t++) {
                int k = Math.min(t0 + t, tokens - 1) * blocks + b;
                FloatVector y = FloatVector.broadcast(FS, dy[k]);
                FloatVector dy0 = d0.mul(y);
                FloatVector dy1 = d1.mul(y);
                FloatVector ny0 = n0.mul(y);
                FloatVector ny1 = n1.mul(y);
                for (int half = 0; half < 16; half += 8) {
                    FloatVector bsum = FloatVector.fromArray(FS, ks, k * 16 + half);
                    int i = t * 16 + half;
                    FloatVector v = FloatVector.fromArray(FS, sums, SUMS + i)
                            .fma(dy0, FloatVector.fromArray(FS, acc, a0 + i));
                    bsum.mul(FloatVector.fromArray(FS, scratch.buf, MINS + rb * 16 + half)).fma(ny0, v)
                            .intoArray(acc, a0 + i);
                    v = FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i)
                            .fma(dy1, FloatVector.fromArray(FS, acc, a1 + i));
                    bsum.mul(FloatVector.fromArray(FS, scratch.buf, MINS + (rb + 1) * 16 + half)).fma(ny1, v)
                            .intoArray(acc, a1 + i);
                }
            }
        } else {
            for (int t = 0; t < GROUP; t++) {
                FloatVector y = FloatVector.broadcast(FS, dy[Math.min(t0 + t, tokens - 1) * blocks + b]);
                FloatVector dy0 = d0.mul(y);
                FloatVector dy1 = d1.mul(y);
                for (int half = 0; half < 16; half += 8) {
                    int i = t * 16 + half;
                    FloatVector.fromArray(FS, sums, SUMS + i).fma(dy0, FloatVector.fromArray(FS, acc, a0 + i))
                            .intoArray(acc, a0 + i);
                    FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i)
                            .fma(dy1, FloatVector.fromArray(FS, acc, a1 + i)).intoArray(acc, a1 + i);
                }
            }
        }
    }

    /**
     * {@link Simd#tree16} of each token's 16 accumulated lanes into {@code y[at + t*stride]} for the
     * {@code real} tokens: the halves added lane by lane (the tree's first level), then its last
     * three levels lane-wise. All trees are made; only the copy-out stops at {@code real} (a
     * branch on a partial group would cost a deoptimization, see {@link KQuantSmallBatch}).
     */
    static void storeTrees(float[] acc, int off, float[] out, int real, float[] y, int at, int stride) {
        for (int t = 0; t < GROUP; t++) {
            FloatVector h = FloatVector.fromArray(FS, acc, off + 16 * t)
                    .add(FloatVector.fromArray(FS, acc, off + 16 * t + 8));
            h = h.add(h.rearrange(Simd.XOR4_256));
            h = h.add(h.rearrange(Simd.XOR2_256));
            out[t] = h.add(h.rearrange(Simd.XOR1_256)).lane(0);
        }
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
            mins.intoArray(scratch.buf, MINS + r * 16);
            mins.intoArray(scratch.buf, MINS + r * 16 + 8);
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
