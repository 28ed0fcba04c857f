package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Q4_K weights times Q8_K activations: the scalar reference and the SIMD kernels.
 *
 * <p>Block (ggml-common.h block_q4_K, 144 bytes per 256 weights): fp16 d at 0, fp16 dmin at 2,
 * twelve bytes packing eight 6-bit scales and eight 6-bit mins at 4 (ggml-quants.c
 * get_scale_min_k4), then 128 bytes of nibbles: 64-weight chunk c holds sub-block 2c in the low
 * nibbles of bytes 32c..32c+31 and sub-block 2c+1 in their high nibbles.
 * Weight = d*scale*q - dmin*min.
 *
 * <h2>Canonical dot product (what every implementation computes, to the bit)</h2>
 * Per block, 8 lanes: lane {@code L} takes both nibbles of bytes {@code i = 4*L .. +3} of all four
 * chunks (32 weights), and its integer part {@code S_L = sum scale*q*y} is exact (below 2^22). With
 * {@code ddy = d*dy} and {@code mdy = -(dmin*dy)} (float products), lane L accumulates
 * {@code acc = fma(ddy, S_L, acc)} then {@code acc = fma(mdy, min_L * (bsum_{2L} + bsum_{2L+1}), acc)}
 * (the min term of sub-block L, exact), block after block; the row's result is {@link Simd#tree16}
 * of the 8 lanes and 8 zeros, which is {@link Simd#tree8} of the 8 (a lane is never -0, so adding
 * +0 changes nothing). This is ggml's float structure (its AVX2 kernel also keeps float lanes and
 * applies d and dmin per block), with the lanes pinned down so that 256-bit, 512-bit and scalar
 * code agree. Kernels whose vectors hold 16 half-lanes ({@code 8*(c%2) + i/4}: bytes
 * {@code 4*(L%8)..+3} of the chunks of parity {@code L/8}) add lanes L and L+8 before the fold,
 * exactly. Until 2026-11-25 the 16 half-lanes were folded separately: one fold per 16 products of
 * each lane instead of 32, about a sixth of the prefill GEMM's operations (bench/KERNELS.md).
 *
 * <h2>SIMD kernel</h2>
 * A vector of packed nibbles is read as 16-bit lanes holding two bytes; {@code and}/{@code shift}
 * split it into four vectors (low/high nibble of the even/odd byte) that line up with activations
 * the quantizer stored widened to 16 bits in exactly that order ({@link #activationOrder}). A
 * nibble times an int8 fits 16 bits, two such products too, so pairs are multiplied and added as
 * shorts; {@code (x << 16) + (x & 0xFFFF0000)} then gives each pair of 16-bit sums as one int
 * (their sum times 2^16), which converts to float exactly and meets its sub-block scale (times
 * 2^-16) in an fma. Every partial sum is an integer below 2^24, so the float lanes hold the exact
 * half-lane sums, and adding a lane's two halves gives the exact {@code S_L}. Two rows share each
 * activation load; short rows (4 blocks, 1024 columns) run as one flat loop over (row pair, block),
 * which saves the per-row loop entry that otherwise costs about a fifth of the time. Larger
 * batches take {@link KQuantSmallBatch} or {@link KQuantGemm}. Every path is bit-identical to
 * {@link #referenceDot}.
 */
public final class Q4KKernel {
    static final int BLOCK_BYTES = 144;
    static final int D = 0;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    // 512 bits: one load covers chunks 2k and 2k+1; int lanes 0-7 belong to the first, 8-15 to the
    // second. Scales arrive as [sc0..sc7, mn0..mn7].
    private static final VectorShuffle<Float> P0 = lanes2(0, 2);
    private static final VectorShuffle<Float> Q0 = lanes2(1, 3);
    private static final VectorShuffle<Float> P1 = lanes2(4, 6);
    private static final VectorShuffle<Float> Q1 = lanes2(5, 7);
    // Vector decode of the packed scales: lanes of the 16-byte block header [d|dmin, q0-3, q4-7, q8-11]
    // become [sc0-3, sc4-7, mn0-3, mn4-7] (get_scale_min_k4 for all eight at once).
    private static final VectorShuffle<Integer> HDR_A = VectorShuffle.fromValues(Simd.I128, 1, 1, 2, 2);
    private static final VectorShuffle<Integer> HDR_H = VectorShuffle.fromValues(Simd.I128, 3, 3, 3, 3);
    private static final VectorMask<Integer> HDR_ODD = VectorMask.fromLong(Simd.I128, 0b1010);
    /** The decoded header's mins (ints 2-3, bytes 8-15) moved to the front. */
    private static final VectorShuffle<Integer> HDR_MINS = VectorShuffle.fromValues(Simd.I128, 2, 3, 2, 3);
    /** {@link #flat256}'s per-thread room for two rows' sub-block scales. */
    private static final ThreadLocal<float[]> UNITS = ThreadLocal.withInitial(() -> new float[16]);
    private static final int[] HDR_CONSTANTS = {
        0, 0, 0, 4, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0, 0x30303030, 0, 0x30303030};

    private static final int[] ORDER = activationOrder(Simd.BITS == 0 ? 256 : Simd.BITS);

    private Q4KKernel() {
    }

    private static VectorShuffle<Float> lanes2(int first, int second) {
        return VectorShuffle.fromOp(Simd.F512, i -> i < 8 ? first : second);
    }

    /** Scalar reference (the canonical structure above) of one row times one token's Q8_K activations. */
    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 256;
        int[] sc = new int[8];
        int[] mn = new int[8];
        float[] acc = new float[16];
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            unpackScales(w, blk + SCALES, sc, mn);
            int ab = token * blocks + b;
            int q8 = ab * 256;
            float dy = a.scales[ab];
            float ddy = Bytes.f16(w, blk + D) * dy;
            float mdy = -(Bytes.f16(w, blk + DMIN) * dy);
            for (int lane = 0; lane < 8; lane++) {
                int s = 0;
                for (int c = 0; c < 4; c++) {
                    for (int i = 4 * lane; i < 4 * lane + 4; i++) {
                        int q = Bytes.u8(w, blk + QS + 32 * c + i);
                        s += sc[2 * c] * (q & 0xF) * a.qs[q8 + 64 * c + i]
                                + sc[2 * c + 1] * (q >>> 4) * a.qs[q8 + 64 * c + 32 + i];
                    }
                }
                acc[lane] = Math.fma(ddy, (float) s, acc[lane]);
                int bsum = a.bsums[ab * 16 + 2 * lane] + a.bsums[ab * 16 + 2 * lane + 1];
                acc[lane] = Math.fma(mdy, (float) (mn[lane] * bsum), acc[lane]);
            }
        }
        return Simd.tree16(acc, 0);
    }

    /** ggml's get_scale_min_k4 for all eight sub-blocks. */
    static void unpackScales(MemorySegment w, long at, int[] sc, int[] mn) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = Bytes.u8(w, at + j) & 63;
                mn[j] = Bytes.u8(w, at + j + 4) & 63;
            } else {
                sc[j] = (Bytes.u8(w, at + j + 4) & 0xF) | ((Bytes.u8(w, at + j - 4) >>> 6) << 4);
                mn[j] = (Bytes.u8(w, at + j + 4) >>> 4) | ((Bytes.u8(w, at + j) >>> 6) << 4);
            }
        }
    }

    /** The eight 6-bit scales, one per byte, from the packed bytes 0-7 ({@code lo8}) and 8-11 ({@code hi4}). */
    static long packedScales(long lo8, int hi4) {
        int a = (int) lo8;
        int high = (hi4 & 0x0F0F0F0F) | ((a >>> 2) & 0x30303030);
        return (a & 0x3F3F3F3FL) | ((long) high << 32);
    }

    /** The eight 6-bit mins, one per byte (see {@link #packedScales}). */
    static long packedMins(long lo8, int hi4) {
        int m = (int) (lo8 >>> 32);
        int high = ((hi4 >>> 4) & 0x0F0F0F0F) | ((m >>> 2) & 0x30303030);
        return (m & 0x3F3F3F3FL) | ((long) high << 32);
    }

    static final MatMulKernel REFERENCE = ReferenceKernels.of(GgmlType.Q8_K, Q4KKernel::referenceDot);

    /**
     * For a vector of {@code bits}: entry {@code j} of the 256 is the index (within the block) of
     * the quant that position {@code j} of the SIMD activation layout holds. Per load of
     * {@code n = bits/16} short lanes (2n packed bytes) the layout has four runs of {@code n}:
     * low nibble of the even byte, high nibble of the even byte, low of the odd, high of the odd.
     */
    static int[] activationOrder(int bits) {
        int n = bits / 16;
        int[] order = new int[256];
        for (int k = 0; k < 64 / n; k++) {
            for (int part = 0; part < 4; part++) {
                for (int i = 0; i < n; i++) {
                    int b = 2 * (k * n + i) + part / 2;
                    order[(k * 4 + part) * n + i] = 64 * (b / 32) + 32 * (part % 2) + b % 32;
                }
            }
        }
        return order;
    }

    /**
     * Fills the Q4_K SIMD layouts of {@code blocks} blocks starting at block {@code b0} of {@code a}:
     * the min-term sums always, the permuted quants when {@code quants}.
     */
    static void layoutActivations(Activations a, int b0, int blocks, boolean quants) {
        for (int b = b0; b < b0 + blocks; b++) {
            int base = b * 256;
            if (quants && Simd.WIDE) {
                permute512(a.qs, base, a.k4);
            } else {
                for (int j = 0; quants && j < 256; j++) {
                    a.k4[base + j] = a.qs[base + ORDER[j]];
                }
            }
            for (int lane = 0; lane < 16; lane++) {
                a.ksums[b * 16 + lane] = a.bsums[b * 16 + 2 * (lane % 8) + lane / 8];
            }
        }
    }

    /** Lanes 0-15 of two short vectors side by side, and lanes 16-31 (indexes below 0 pick the second). */
    private static final VectorShuffle<Short> FIRST_HALVES =
            VectorShuffle.fromOp(ShortVector.SPECIES_512, i -> i < 16 ? i : i - 16 - 32);
    private static final VectorShuffle<Short> SECOND_HALVES =
            VectorShuffle.fromOp(ShortVector.SPECIES_512, i -> i < 16 ? i + 16 : i - 32);

    /**
     * {@link #ORDER} at 512 bits with vectors: run {@code 4k + part} takes the even ({@code part < 2})
     * or odd bytes of the 32 at {@code 128k + 32*(part%2)} followed by the 32 at 64 bytes on, so the
     * block's bytes read as little-endian shorts give each run as one two-vector rearrange and a
     * sign-extending shift.
     */
    private static void permute512(byte[] qs, int base, short[] out) {
        for (int k = 0; k < 2; k++) {
            ShortVector lo = ByteVector.fromArray(ByteVector.SPECIES_512, qs, base + 128 * k).reinterpretAsShorts();
            ShortVector hi = ByteVector.fromArray(ByteVector.SPECIES_512, qs, base + 128 * k + 64).reinterpretAsShorts();
            ShortVector runs0 = lo.rearrange(FIRST_HALVES, hi);
            ShortVector runs1 = lo.rearrange(SECOND_HALVES, hi);
            int at = base + 4 * k * 32;
            runs0.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).intoArray(out, at);
            runs1.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).intoArray(out, at + 32);
            runs0.lanewise(VectorOperators.ASHR, 8).intoArray(out, at + 64);
            runs1.lanewise(VectorOperators.ASHR, 8).intoArray(out, at + 96);
        }
    }

    static final MatMulKernel SIMD = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        a.requireSimd(GgmlType.Q8_K, w.cols());
        if (KQuantRowGemm.suits(a.tokens())) {
            KQuantRowGemm.q4k(w, r0, r1, a, y, stride);
            return;
        }
        if (KQuantGemm.suits(a.tokens())) {
            KQuantGemm.q4k(w, r0, r1, a, y, stride);
            return;
        }
        int first = 0;
        if (KQuantSmallBatch.suits(a.tokens())) {
            KQuantSmallBatch.q4k(w, r0, r1, a, y, stride);
            // the trailing tokens it leaves (KQuantSmallBatch.matvecTail) go one by one below
            first = a.tokens() - KQuantSmallBatch.matvecTail(a.tokens());
            if (first == a.tokens()) {
                return;
            }
        }
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int blocks = w.cols() / 256;
        if (Simd.WIDE) {
            for (int t = 0; t < a.tokens(); t++) {
                // both loops compute the same bits; the flat one wins for short rows (measured, KERNELS.md)
                if (blocks <= 4) {
                    flat512(data, rowBytes, r0, r1, blocks, a.k4, t * blocks * 256, a.ksums, t * blocks * 16, a.scales,
                            t * blocks, y, t * stride);
                } else {
                    pairs512(data, rowBytes, r0, r1, blocks, a.k4, t * blocks * 256, a.ksums, t * blocks * 16, a.scales,
                            t * blocks, y, t * stride);
                }
            }
            return;
        }
        for (int t = first; t < a.tokens(); t++) {
            flat256(data, rowBytes, r0, r1, blocks, a.k4, t * blocks * 256, a.ksums, t * blocks * 16, a.scales,
                    t * blocks, y, t * stride);
        }
    };

    /**
     * Rows r0..r1-1 times one token, two rows at a time sharing each activation load, as one flat
     * loop over (row pair, block): with 4 blocks per row (1024 columns) a loop per row would spend
     * much of its time entering and leaving. An odd last row is paired with itself.
     *
     * <p>Per 64 weight bytes and row: three shifts and four ands split the nibbles, four 16-bit
     * multiplies and two adds pair the products, and {@code (x << 16) + (x & 0xFFFF0000)} turns
     * each pair of 16-bit sums into their sum times 2^16, which converts to float exactly and meets
     * its sub-block scale (times 2^-16) in an fma: every partial sum is an integer below 2^24, so
     * the 16 lanes hold the exact half-lane sums, and lanes L and L+8 added give the canonical S_L
     * (in both).
     */
    private static void flat512(MemorySegment w, long rowBytes, int r0, int r1, int blocks, short[] ya, int yaOff,
            float[] ks, int ksOff, float[] dy, int dyOff, float[] y, int yOff) {
        IntVector hShift = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 0);
        IntVector keep = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 4);
        IntVector high = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 8);
        // row A walks the first half of the range, row B the second: two memory streams
        int half = (r1 - r0 + 1) / 2;
        int ra = r0;
        int rb = Math.min(r0 + half, r1 - 1);
        long rowA = ra * rowBytes;
        long rowB = rb * rowBytes;
        FloatVector acc = FloatVector.zero(Simd.F512);
        int b = 0;
        for (int i = 0, n = (r1 - r0 + 1) / 2 * blocks; i < n; i++) {
            long blkA = rowA + (long) b * BLOCK_BYTES;
            long blkB = rowB + (long) b * BLOCK_BYTES;
            IntVector hdrA = IntVector.fromMemorySegment(Simd.I128, w, blkA, Simd.LE);
            IntVector hdrB = IntVector.fromMemorySegment(Simd.I128, w, blkB, Simd.LE);
            IntVector aaA = hdrA.rearrange(HDR_A);
            IntVector aaB = hdrB.rearrange(HDR_A);
            FloatVector scA = (FloatVector) aaA.blend(hdrA.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift),
                    HDR_ODD)
                    .and(keep).or(aaA.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, Simd.F512, 0);
            FloatVector scB = (FloatVector) aaB.blend(hdrB.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift),
                    HDR_ODD)
                    .and(keep).or(aaB.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, Simd.F512, 0);
            FloatVector unitA = scA.mul(0x1p-16f);
            FloatVector unitB = scB.mul(0x1p-16f);
            int o = yaOff + b * 256;
            FloatVector sA = FloatVector.zero(Simd.F512);
            FloatVector sB = FloatVector.zero(Simd.F512);
            // the two chunk pairs written out, so that every rearrange has a constant shuffle
            // (bench/KERNELS.md, nineteenth session)
            ShortVector y0;
            ShortVector y1;
            ShortVector y2;
            ShortVector y3;
            IntVector v;
            IntVector p;
            IntVector q;
            // chunks 0 and 1
            y0 = ShortVector.fromArray(Simd.S512, ya, o);
            y1 = ShortVector.fromArray(Simd.S512, ya, o + 32);
            y2 = ShortVector.fromArray(Simd.S512, ya, o + 64);
            y3 = ShortVector.fromArray(Simd.S512, ya, o + 96);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QS, Simd.LE);
            p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                    .reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                    .reinterpretAsInts();
            sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P0), sA);
            sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q0), sA);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QS, Simd.LE);
            p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                    .reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                    .reinterpretAsInts();
            sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P0), sB);
            sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q0), sB);
            // chunks 2 and 3
            y0 = ShortVector.fromArray(Simd.S512, ya, o + 128);
            y1 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 32);
            y2 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 64);
            y3 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 96);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QS + 64, Simd.LE);
            p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                    .reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                    .reinterpretAsInts();
            sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P1), sA);
            sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q1), sA);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QS + 64, Simd.LE);
            p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                    .reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                    .reinterpretAsInts();
            sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P1), sB);
            sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q1), sB);
            float dyb = dy[dyOff + b];
            // lanes L and L+8 hold the halves of canonical lane L%8 (half-sums and bsums alike):
            // adding them is exact; the bsums' merge lands in lanes j and j+8
            FloatVector bs = FloatVector.fromArray(Simd.F512, ks, ksOff + 16 * b);
            bs = bs.add(bs.rearrange(Simd.HALVES));
            // row A's merged lanes in lanes 0-7, row B's in 8-15, with one shuffle for both rows where a
            // merge per row took two (this kernel's shuffles are what bind it); the mins likewise
            FloatVector m = sA.blend(sB, Simd.UPPER8).add(sB.blend(sA, Simd.UPPER8).rearrange(Simd.HALVES));
            FloatVector mins = scA.rearrange(Simd.HALVES).blend(scB, Simd.UPPER8);
            int ddA = hdrA.lane(0);
            int ddB = hdrB.lane(0);
            // d*dy and -(dmin*dy) per row, the same IEEE products as the scalar ones ((-dmin)*dy: rounding
            // to nearest is symmetric)
            FloatVector ddy = FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddA))
                    .blend(FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddB)), Simd.UPPER8).mul(dyb);
            FloatVector mdy = FloatVector.broadcast(Simd.F512, -Float.float16ToFloat((short) (ddA >>> 16)))
                    .blend(FloatVector.broadcast(Simd.F512, -Float.float16ToFloat((short) (ddB >>> 16))), Simd.UPPER8)
                    .mul(dyb);
            acc = m.fma(ddy, acc);
            acc = mins.mul(bs).fma(mdy, acc);
            if (++b == blocks) {
                // Simd.tree8 of both rows at once: row A in lanes 0-7, row B in lanes 8-15
                FloatVector h = acc;
                h = h.add(h.rearrange(Simd.XOR4));
                h = h.add(h.rearrange(Simd.XOR2));
                h = h.add(h.rearrange(Simd.XOR1));
                y[yOff + ra] = h.lane(0);
                y[yOff + rb] = h.lane(8);
                acc = FloatVector.zero(Simd.F512);
                b = 0;
                ra += 1;
                rb = Math.min(ra + half, r1 - 1);
                rowA = ra * rowBytes;
                rowB = rb * rowBytes;
            }
        }
    }

    /** As {@link #flat512} with a loop per row pair: faster than the flat loop for long rows. */
    private static void pairs512(MemorySegment w, long rowBytes, int r0, int r1, int blocks, short[] ya, int yaOff,
            float[] ks, int ksOff, float[] dy, int dyOff, float[] y, int yOff) {
        IntVector hShift = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 0);
        IntVector keep = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 4);
        IntVector high = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 8);
        // row A walks the first half of the range, row B the second: two memory streams
        int half = (r1 - r0 + 1) / 2;
        for (int ra = r0; ra < r0 + half; ra++) {
            int rb = Math.min(ra + half, r1 - 1);
            long rowA = ra * rowBytes;
            long rowB = rb * rowBytes;
            FloatVector acc = FloatVector.zero(Simd.F512);
            for (int b = 0; b < blocks; b++) {
                long blkA = rowA + (long) b * BLOCK_BYTES;
                long blkB = rowB + (long) b * BLOCK_BYTES;
                IntVector hdrA = IntVector.fromMemorySegment(Simd.I128, w, blkA, Simd.LE);
                IntVector hdrB = IntVector.fromMemorySegment(Simd.I128, w, blkB, Simd.LE);
                IntVector aaA = hdrA.rearrange(HDR_A);
                IntVector aaB = hdrB.rearrange(HDR_A);
                FloatVector scA = (FloatVector) aaA.blend(hdrA.rearrange(HDR_H).lanewise(VectorOperators.LSHR,
                        hShift), HDR_ODD)
                        .and(keep).or(aaA.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes()
                        .convertShape(VectorOperators.B2F, Simd.F512, 0);
                FloatVector scB = (FloatVector) aaB.blend(hdrB.rearrange(HDR_H).lanewise(VectorOperators.LSHR,
                        hShift), HDR_ODD)
                        .and(keep).or(aaB.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes()
                        .convertShape(VectorOperators.B2F, Simd.F512, 0);
                FloatVector unitA = scA.mul(0x1p-16f);
                FloatVector unitB = scB.mul(0x1p-16f);
                int o = yaOff + b * 256;
                FloatVector sA = FloatVector.zero(Simd.F512);
                FloatVector sB = FloatVector.zero(Simd.F512);
                // the two chunk pairs written out, so that every rearrange has a constant shuffle
                // (bench/KERNELS.md, nineteenth session)
                ShortVector y0;
                ShortVector y1;
                ShortVector y2;
                ShortVector y3;
                IntVector v;
                IntVector p;
                IntVector q;
                // chunks 0 and 1
                y0 = ShortVector.fromArray(Simd.S512, ya, o);
                y1 = ShortVector.fromArray(Simd.S512, ya, o + 32);
                y2 = ShortVector.fromArray(Simd.S512, ya, o + 64);
                y3 = ShortVector.fromArray(Simd.S512, ya, o + 96);
                v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QS, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P0), sA);
                sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q0), sA);
                v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QS, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P0), sB);
                sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q0), sB);
                // chunks 2 and 3
                y0 = ShortVector.fromArray(Simd.S512, ya, o + 128);
                y1 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 32);
                y2 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 64);
                y3 = ShortVector.fromArray(Simd.S512, ya, o + 128 + 96);
                v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QS + 64, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P1), sA);
                sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q1), sA);
                v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QS + 64, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P1), sB);
                sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q1), sB);
                float dyb = dy[dyOff + b];
                // halves L and L+8 of canonical lane L%8 added, exactly, as in flat512
                FloatVector bs = FloatVector.fromArray(Simd.F512, ks, ksOff + 16 * b);
                bs = bs.add(bs.rearrange(Simd.HALVES));
                // row A's merged lanes in lanes 0-7, row B's in 8-15, with one shuffle for both rows where a
                // merge per row took two (this kernel's shuffles are what bind it); the mins likewise
                FloatVector m = sA.blend(sB, Simd.UPPER8).add(sB.blend(sA, Simd.UPPER8).rearrange(Simd.HALVES));
                FloatVector mins = scA.rearrange(Simd.HALVES).blend(scB, Simd.UPPER8);
                int ddA = hdrA.lane(0);
                int ddB = hdrB.lane(0);
                // d*dy and -(dmin*dy) per row, the same IEEE products as the scalar ones ((-dmin)*dy: rounding
                // to nearest is symmetric)
                FloatVector ddy = FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddA))
                        .blend(FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddB)), Simd.UPPER8).mul(dyb);
                FloatVector mdy = FloatVector.broadcast(Simd.F512, -Float.float16ToFloat((short) (ddA >>> 16)))
                        .blend(FloatVector.broadcast(Simd.F512, -Float.float16ToFloat((short) (ddB >>> 16))), Simd.UPPER8)
                        .mul(dyb);
                acc = m.fma(ddy, acc);
                acc = mins.mul(bs).fma(mdy, acc);
            }
            // Simd.tree8 of both rows at once: row A in lanes 0-7, row B in lanes 8-15
            FloatVector h = acc;
            h = h.add(h.rearrange(Simd.XOR4));
            h = h.add(h.rearrange(Simd.XOR2));
            h = h.add(h.rearrange(Simd.XOR1));
            y[yOff + ra] = h.lane(0);
            y[yOff + rb] = h.lane(8);
        }
    }

    /**
     * {@link #flat512} for 256-bit vectors: one 32-byte load per step, the halves of the canonical
     * lanes from even and odd chunks in two sums, added before the fold.
     */
    private static void flat256(MemorySegment w, long rowBytes, int r0, int r1, int blocks, short[] ya, int yaOff,
            float[] ks, int ksOff, float[] dy, int dyOff, float[] y, int yOff) {
        IntVector hShift = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 0);
        IntVector keep = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 4);
        IntVector high = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 8);
        // the two rows' sub-block scales (times 2^-16), broadcast from here: a rearrange per chunk
        // loaded and masked its shuffle's indices at every use (bench/KERNELS.md, eighteenth session)
        float[] units = UNITS.get();
        // row A walks the first half of the range, row B the second: two memory streams
        int half = (r1 - r0 + 1) / 2;
        int ra = r0;
        int rb = Math.min(r0 + half, r1 - 1);
        long rowA = ra * rowBytes;
        long rowB = rb * rowBytes;
        FloatVector accA = FloatVector.zero(Simd.F256);
        FloatVector accB = accA;
        int b = 0;
        for (int i = 0, n = (r1 - r0 + 1) / 2 * blocks; i < n; i++) {
            long blkA = rowA + (long) b * BLOCK_BYTES;
            long blkB = rowB + (long) b * BLOCK_BYTES;
            IntVector hdrA = IntVector.fromMemorySegment(Simd.I128, w, blkA, Simd.LE);
            IntVector hdrB = IntVector.fromMemorySegment(Simd.I128, w, blkB, Simd.LE);
            IntVector aaA = hdrA.rearrange(HDR_A);
            IntVector aaB = hdrB.rearrange(HDR_A);
            IntVector bytesA = aaA.blend(hdrA.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift), HDR_ODD)
                    .and(keep).or(aaA.lanewise(VectorOperators.LSHR, 2).and(high));
            IntVector bytesB = aaB.blend(hdrB.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift), HDR_ODD)
                    .and(keep).or(aaB.lanewise(VectorOperators.LSHR, 2).and(high));
            ((FloatVector) bytesA.reinterpretAsBytes().convertShape(VectorOperators.B2F, Simd.F256, 0))
                    .mul(0x1p-16f).intoArray(units, 0);
            ((FloatVector) bytesB.reinterpretAsBytes().convertShape(VectorOperators.B2F, Simd.F256, 0))
                    .mul(0x1p-16f).intoArray(units, 8);
            int o = yaOff + b * 256;
            FloatVector sEA = FloatVector.zero(Simd.F256);
            FloatVector sOA = sEA;
            FloatVector sEB = sEA;
            FloatVector sOB = sEA;
            // chunks 2h (the even lanes' sums) and 2h + 1 (the odd lanes')
            for (int h = 0; h < 2; h++) {
                int oc = o + 128 * h;
                ShortVector y0 = ShortVector.fromArray(Simd.S256, ya, oc);
                ShortVector y1 = ShortVector.fromArray(Simd.S256, ya, oc + 16);
                ShortVector y2 = ShortVector.fromArray(Simd.S256, ya, oc + 32);
                ShortVector y3 = ShortVector.fromArray(Simd.S256, ya, oc + 48);
                IntVector v = IntVector.fromMemorySegment(Simd.I256, w, blkA + QS + 64L * h, Simd.LE);
                IntVector p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                IntVector q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                FloatVector part = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).mul(units[4 * h]);
                sEA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Simd.F256, units[4 * h + 1]), part)
                        .add(sEA);
                v = IntVector.fromMemorySegment(Simd.I256, w, blkB + QS + 64L * h, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                part = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).mul(units[8 + 4 * h]);
                sEB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Simd.F256, units[9 + 4 * h]), part)
                        .add(sEB);
                y0 = ShortVector.fromArray(Simd.S256, ya, oc + 64);
                y1 = ShortVector.fromArray(Simd.S256, ya, oc + 80);
                y2 = ShortVector.fromArray(Simd.S256, ya, oc + 96);
                y3 = ShortVector.fromArray(Simd.S256, ya, oc + 112);
                v = IntVector.fromMemorySegment(Simd.I256, w, blkA + QS + 64L * h + 32, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                part = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).mul(units[4 * h + 2]);
                sOA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Simd.F256, units[4 * h + 3]), part)
                        .add(sOA);
                v = IntVector.fromMemorySegment(Simd.I256, w, blkB + QS + 64L * h + 32, Simd.LE);
                p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                        .reinterpretAsInts();
                q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                        .reinterpretAsInts();
                part = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).mul(units[10 + 4 * h]);
                sOB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Simd.F256, units[11 + 4 * h]), part)
                        .add(sOB);
            }
            float dyb = dy[dyOff + b];
            // the even and odd halves of each canonical lane (sums and bsums alike) added, exactly
            FloatVector bs = FloatVector.fromArray(Simd.F256, ks, ksOff + 16 * b)
                    .add(FloatVector.fromArray(Simd.F256, ks, ksOff + 16 * b + 8));
            int ddA = hdrA.lane(0);
            int ddB = hdrB.lane(0);
            FloatVector ddyA = FloatVector.broadcast(Simd.F256, Float.float16ToFloat((short) ddA) * dyb);
            FloatVector mdyA = FloatVector.broadcast(Simd.F256, -(Float.float16ToFloat((short) (ddA >>> 16)) * dyb));
            FloatVector ddyB = FloatVector.broadcast(Simd.F256, Float.float16ToFloat((short) ddB) * dyb);
            FloatVector mdyB = FloatVector.broadcast(Simd.F256, -(Float.float16ToFloat((short) (ddB >>> 16)) * dyb));
            // the mins are bytes 8-15: moved to the front by an int shuffle (convertShape's part 1 of
            // the bytes was a byte shuffle whose indices C2 computed with byte multiplies per block)
            FloatVector mnA = (FloatVector) bytesA.rearrange(HDR_MINS).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, Simd.F256, 0);
            FloatVector mnB = (FloatVector) bytesB.rearrange(HDR_MINS).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, Simd.F256, 0);
            accA = mnA.mul(bs).fma(mdyA, sEA.add(sOA).fma(ddyA, accA));
            accB = mnB.mul(bs).fma(mdyB, sEB.add(sOB).fma(ddyB, accB));
            if (++b == blocks) {
                FloatVector h = accA.add(accA.rearrange(Simd.XOR4_256));
                h = h.add(h.rearrange(Simd.XOR2_256));
                y[yOff + ra] = h.add(h.rearrange(Simd.XOR1_256)).lane(0);
                h = accB.add(accB.rearrange(Simd.XOR4_256));
                h = h.add(h.rearrange(Simd.XOR2_256));
                y[yOff + rb] = h.add(h.rearrange(Simd.XOR1_256)).lane(0);
                accA = FloatVector.zero(Simd.F256);
                accB = accA;
                b = 0;
                ra += 1;
                rb = Math.min(ra + half, r1 - 1);
                rowA = ra * rowBytes;
                rowB = rb * rowBytes;
            }
        }
    }
}
