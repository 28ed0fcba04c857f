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
 * Per block, 16 lanes: lane {@code L = 8*(c%2) + i/4} takes both nibbles of bytes
 * {@code i = 4*(L%8) .. +3} of the chunks {@code c} of parity {@code L/8}, and its integer part
 * {@code S_L = sum scale*q*y} is exact. With {@code ddy = d*dy} and {@code mdy = -(dmin*dy)}
 * (float products), lane L accumulates {@code acc = fma(ddy, S_L, acc)} then
 * {@code acc = fma(mdy, min_j * bsum_{2j+L/8}, acc)} with {@code j = L%8} (the min term of
 * sub-block j, split over its two 16-quant halves, also exact), block after block; the row's
 * result is {@link Simd#tree16} of the 16 lanes. This is ggml's float structure (its AVX2 kernel
 * also keeps float lanes and applies d and dmin per block), with the lanes pinned down so that
 * 256-bit, 512-bit and scalar code agree.
 *
 * <h2>SIMD kernel</h2>
 * A vector of packed nibbles is read as 16-bit lanes holding two bytes; {@code and}/{@code shift}
 * split it into four vectors (low/high nibble of the even/odd byte) that line up with activations
 * the quantizer stored widened to 16 bits in exactly that order ({@link #activationOrder}). A
 * nibble times an int8 fits 16 bits, two such products too, so pairs are multiplied and added as
 * shorts, then widened to int lanes by {@code (x + (x << 16)) >> 16} (the sum of the two halves)
 * and multiplied by the sub-block scales. The result is bit-identical to {@link #referenceDot}.
 */
public final class Q4KKernel {
    static final int BLOCK_BYTES = 144;
    static final int D = 0;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    // 512 bits: one load covers chunks 2k and 2k+1; int lanes 0-7 belong to the first, 8-15 to the
    // second. Scales arrive as [sc0..sc7, sc0..sc7].
    private static final VectorShuffle<Integer> P0 = lanes2(0, 2);
    private static final VectorShuffle<Integer> Q0 = lanes2(1, 3);
    private static final VectorShuffle<Integer> P1 = lanes2(4, 6);
    private static final VectorShuffle<Integer> Q1 = lanes2(5, 7);
    // 256 bits: one load per chunk c; every lane takes scale 2c (low nibbles) or 2c+1 (high).
    private static final VectorShuffle<Integer> S0 = VectorShuffle.fromOp(Simd.I256, i -> 0);
    private static final VectorShuffle<Integer> S1 = VectorShuffle.fromOp(Simd.I256, i -> 1);
    private static final VectorShuffle<Integer> S2 = VectorShuffle.fromOp(Simd.I256, i -> 2);
    private static final VectorShuffle<Integer> S3 = VectorShuffle.fromOp(Simd.I256, i -> 3);
    private static final VectorShuffle<Integer> S4 = VectorShuffle.fromOp(Simd.I256, i -> 4);
    private static final VectorShuffle<Integer> S5 = VectorShuffle.fromOp(Simd.I256, i -> 5);
    private static final VectorShuffle<Integer> S6 = VectorShuffle.fromOp(Simd.I256, i -> 6);
    private static final VectorShuffle<Integer> S7 = VectorShuffle.fromOp(Simd.I256, i -> 7);
    private static final VectorShuffle<Float> FP0 = P0.cast(Simd.F512);
    private static final VectorShuffle<Float> FQ0 = Q0.cast(Simd.F512);
    private static final VectorShuffle<Float> FP1 = P1.cast(Simd.F512);
    private static final VectorShuffle<Float> FQ1 = Q1.cast(Simd.F512);
    private static final VectorShuffle<Float> HALVES = VectorShuffle.iota(Simd.F512, 8, 1, true);
    // Vector decode of the packed scales, lanes of the 16-byte block header [d|dmin, q0-3, q4-7, q8-11]
    private static final VectorShuffle<Integer> HDR_A = VectorShuffle.fromValues(Simd.I128, 1, 1, 2, 2);
    private static final VectorShuffle<Integer> HDR_H = VectorShuffle.fromValues(Simd.I128, 3, 3, 3, 3);
    private static final VectorShuffle<Float> MINS = VectorShuffle.fromOp(Simd.F512, i -> 8 + i % 8);
    private static final int[] HDR_CONSTANTS = {0, 0, 0, 4, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0, 0x30303030,
        0, 0x30303030};

    private static final int[] ORDER = activationOrder(Simd.BITS == 0 ? 256 : Simd.BITS);

    private Q4KKernel() {
    }

    private static VectorShuffle<Integer> lanes2(int first, int second) {
        return VectorShuffle.fromOp(Simd.I512, i -> i < 8 ? first : second);
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
            for (int lane = 0; lane < 16; lane++) {
                int s = 0;
                for (int c = lane / 8; c < 4; c += 2) {
                    for (int i = 4 * (lane % 8); i < 4 * (lane % 8) + 4; i++) {
                        int q = Bytes.u8(w, blk + QS + 32 * c + i);
                        s += sc[2 * c] * (q & 0xF) * a.qs[q8 + 64 * c + i]
                                + sc[2 * c + 1] * (q >>> 4) * a.qs[q8 + 64 * c + 32 + i];
                    }
                }
                acc[lane] = Math.fma(ddy, (float) s, acc[lane]);
            }
            for (int lane = 0; lane < 16; lane++) {
                int j = lane % 8;
                acc[lane] = Math.fma(mdy, (float) (mn[j] * a.bsums[ab * 16 + 2 * j + lane / 8]), acc[lane]);
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

    /** Fills the Q4_K SIMD layouts of {@code blocks} blocks starting at block {@code b0} of {@code a}. */
    static void layoutActivations(Activations a, int b0, int blocks) {
        for (int b = b0; b < b0 + blocks; b++) {
            int base = b * 256;
            for (int j = 0; j < 256; j++) {
                a.k4[base + j] = a.qs[base + ORDER[j]];
            }
            for (int lane = 0; lane < 16; lane++) {
                a.ksums[b * 16 + lane] = a.bsums[b * 16 + 2 * (lane % 8) + lane / 8];
            }
        }
    }

    static final MatMulKernel SIMD = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        a.requireSimd(GgmlType.Q8_K, w.cols());
        if (Simd.WIDE) {
            rows512(w.data(), w.rowBytes(), r0, r1, w.cols() / 256, a.tokens(), a.k4, a.ksums, a.scales, y, stride);
        } else {
            MemorySegment data = w.data();
            int cols = w.cols();
            int blocks = cols / 256;
            long rowBytes = w.rowBytes();
            for (int r = r0; r < r1; r++) {
                long row = r * rowBytes;
                for (int t = 0; t < a.tokens(); t++) {
                    y[t * stride + r] = dot256(data, row, blocks, a.k4, t * cols, a.ksums, t * blocks * 16, a.scales,
                            t * blocks);
                }
            }
        }
    };

    private static void rows512(MemorySegment w, long rowBytes, int r0, int r1, int blocks, int tokens, short[] ya,
            float[] ks, float[] dy, float[] y, int stride) {
        IntVector hShift = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 0);
        IntVector keep = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 4);
        IntVector high = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 8);
        VectorMask<Integer> odd = VectorMask.fromLong(Simd.I128, 0b1010);
        int r = r0;
        for (; r + 1 < r1; r += 2) {
            long rowA = r * rowBytes;
            long rowB = rowA + rowBytes;
            for (int t = 0; t < tokens; t++) {
                int yaOff = t * blocks * 256;
                int ksOff = t * blocks * 16;
                int dyOff = t * blocks;
                FloatVector accA = FloatVector.zero(Simd.F512);
                FloatVector accB = FloatVector.zero(Simd.F512);
                for (int b = 0; b < blocks; b++) {
                    long blkA = rowA + (long) b * BLOCK_BYTES;
                    long blkB = rowB + (long) b * BLOCK_BYTES;
                    IntVector hdrA = IntVector.fromMemorySegment(Simd.I128, w, blkA, Simd.LE);
                    IntVector hdrB = IntVector.fromMemorySegment(Simd.I128, w, blkB, Simd.LE);
                    IntVector aaA = hdrA.rearrange(HDR_A);
                    IntVector aaB = hdrB.rearrange(HDR_A);
                    ByteVector bytesA = aaA.blend(hdrA.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift), odd)
                            .and(keep).or(aaA.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes();
                    ByteVector bytesB = aaB.blend(hdrB.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift), odd)
                            .and(keep).or(aaB.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes();
                    FloatVector fA = (FloatVector) bytesA.convertShape(VectorOperators.B2F, Simd.F512, 0);
                    FloatVector fB = (FloatVector) bytesB.convertShape(VectorOperators.B2F, Simd.F512, 0);
                    FloatVector scA = fA.mul(0x1p-16f);
                    FloatVector scB = fB.mul(0x1p-16f);
                    int o = yaOff + b * 256;
                    FloatVector sA = FloatVector.zero(Simd.F512);
                    FloatVector sB = FloatVector.zero(Simd.F512);
                    for (int k = 0; k < 2; k++) {
                        int ok = o + 128 * k;
                        ShortVector y0 = ShortVector.fromArray(Simd.S512, ya, ok);
                        ShortVector y1 = ShortVector.fromArray(Simd.S512, ya, ok + 32);
                        ShortVector y2 = ShortVector.fromArray(Simd.S512, ya, ok + 64);
                        ShortVector y3 = ShortVector.fromArray(Simd.S512, ya, ok + 96);
                        VectorShuffle<Float> ps = k == 0 ? FP0 : FP1;
                        VectorShuffle<Float> qs = k == 0 ? FQ0 : FQ1;
                        IntVector v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QS + 64L * k, Simd.LE);
                        IntVector p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                                .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                                .reinterpretAsInts();
                        IntVector q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                                .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                                .reinterpretAsInts();
                        sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000)).convert(VectorOperators.I2F, 0))
                                .fma(scA.rearrange(ps), sA);
                        sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000)).convert(VectorOperators.I2F, 0))
                                .fma(scA.rearrange(qs), sA);
                        v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QS + 64L * k, Simd.LE);
                        p = v.and(0x000F000F).reinterpretAsShorts().mul(y0)
                                .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(y2))
                                .reinterpretAsInts();
                        q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(y1)
                                .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(y3))
                                .reinterpretAsInts();
                        sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000)).convert(VectorOperators.I2F, 0))
                                .fma(scB.rearrange(ps), sB);
                        sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000)).convert(VectorOperators.I2F, 0))
                                .fma(scB.rearrange(qs), sB);
                    }
                    float dyb = dy[dyOff + b];
                    FloatVector bs = FloatVector.fromArray(Simd.F512, ks, ksOff + 16 * b);
                    int ddA = hdrA.lane(0);
                    int ddB = hdrB.lane(0);
                    accA = sA.fma(FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddA) * dyb), accA);
                    accA = fA.rearrange(MINS).mul(bs)
                            .fma(FloatVector.broadcast(Simd.F512, -(Float.float16ToFloat((short) (ddA >>> 16)) * dyb)), accA);
                    accB = sB.fma(FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) ddB) * dyb), accB);
                    accB = fB.rearrange(MINS).mul(bs)
                            .fma(FloatVector.broadcast(Simd.F512, -(Float.float16ToFloat((short) (ddB >>> 16)) * dyb)), accB);
                }
                // Simd.tree16 of both rows at once: row A in lanes 0-7, row B in lanes 8-15
                FloatVector h = accA.add(accA.rearrange(HALVES)).blend(accB.add(accB.rearrange(HALVES)), Simd.UPPER8);
                h = h.add(h.rearrange(Simd.XOR4));
                h = h.add(h.rearrange(Simd.XOR2));
                h = h.add(h.rearrange(Simd.XOR1));
                y[t * stride + r] = h.lane(0);
                y[t * stride + r + 1] = h.lane(8);
            }
        }
        for (; r < r1; r++) {
            long row = r * rowBytes;
            for (int t = 0; t < tokens; t++) {
                y[t * stride + r] = dot512(w, row, blocks, ya, t * blocks * 256, ks, t * blocks * 16, dy, t * blocks);
            }
        }
    }

    private static float dot512(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] ks, int ksOff,
            float[] dy, int dyOff) {
        IntVector hShift = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 0);
        IntVector keep = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 4);
        IntVector high = IntVector.fromArray(Simd.I128, HDR_CONSTANTS, 8);
        VectorMask<Integer> odd = VectorMask.fromLong(Simd.I128, 0b1010);
        FloatVector acc = FloatVector.zero(Simd.F512);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            IntVector hdr = IntVector.fromMemorySegment(Simd.I128, w, blk, Simd.LE);
            IntVector aa = hdr.rearrange(HDR_A);
            ByteVector bytes = aa.blend(hdr.rearrange(HDR_H).lanewise(VectorOperators.LSHR, hShift), odd).and(keep)
                    .or(aa.lanewise(VectorOperators.LSHR, 2).and(high)).reinterpretAsBytes();
            IntVector sc = (IntVector) bytes.convertShape(VectorOperators.B2I, Simd.I512, 0);
            int o = yaOff + b * 256;
            IntVector s = IntVector.zero(Simd.I512);
            for (int k = 0; k < 2; k++) {
                IntVector v = IntVector.fromMemorySegment(Simd.I512, w, blk + QS + 64L * k, Simd.LE);
                int ok = o + 128 * k;
                IntVector p = v.and(0x000F000F).reinterpretAsShorts().mul(ShortVector.fromArray(Simd.S512, ya, ok))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(Simd.S512, ya, ok + 64)))
                        .reinterpretAsInts();
                IntVector q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts()
                        .mul(ShortVector.fromArray(Simd.S512, ya, ok + 32))
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(Simd.S512, ya, ok + 96)))
                        .reinterpretAsInts();
                p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                q = q.add(q.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                s = s.add(p.mul(sc.rearrange(k == 0 ? P0 : P1))).add(q.mul(sc.rearrange(k == 0 ? Q0 : Q1)));
            }
            float dyb = dy[dyOff + b];
            int dd = hdr.lane(0);
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(Simd.F512, Float.float16ToFloat((short) dd) * dyb), acc);
            acc = ((FloatVector) bytes.convertShape(VectorOperators.B2F, Simd.F512, 0)).rearrange(MINS)
                    .mul(FloatVector.fromArray(Simd.F512, ks, ksOff + 16 * b))
                    .fma(FloatVector.broadcast(Simd.F512, -(Float.float16ToFloat((short) (dd >>> 16)) * dyb)), acc);
        }
        FloatVector h = acc.add(acc.rearrange(HALVES));
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }

    private static float dot256(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] ks, int ksOff,
            float[] dy, int dyOff) {
        FloatVector accE = FloatVector.zero(Simd.F256);
        FloatVector accO = FloatVector.zero(Simd.F256);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int dd = w.get(Simd.INT_LE, blk);
            long lo8 = w.get(Simd.LONG_LE, blk + SCALES);
            int hi4 = w.get(Simd.INT_LE, blk + SCALES + 8);
            IntVector sc = (IntVector) LongVector.broadcast(LongVector.SPECIES_128, packedScales(lo8, hi4))
                    .reinterpretAsBytes().convertShape(VectorOperators.B2I, Simd.I256, 0);
            FloatVector mn = (FloatVector) LongVector.broadcast(LongVector.SPECIES_128, packedMins(lo8, hi4))
                    .reinterpretAsBytes().convertShape(VectorOperators.B2F, Simd.F256, 0);
            int o = yaOff + b * 256;
            IntVector sE = IntVector.zero(Simd.I256);
            IntVector sO = IntVector.zero(Simd.I256);
            for (int c = 0; c < 4; c++) {
                IntVector v = IntVector.fromMemorySegment(Simd.I256, w, blk + QS + 32L * c, Simd.LE);
                ShortVector lo0 = v.and(0x000F000F).reinterpretAsShorts();
                ShortVector hi0 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts();
                ShortVector lo1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts();
                ShortVector hi1 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts();
                int oc = o + 64 * c;
                IntVector p = lo0.mul(ShortVector.fromArray(Simd.S256, ya, oc))
                        .add(lo1.mul(ShortVector.fromArray(Simd.S256, ya, oc + 32))).reinterpretAsInts();
                IntVector q = hi0.mul(ShortVector.fromArray(Simd.S256, ya, oc + 16))
                        .add(hi1.mul(ShortVector.fromArray(Simd.S256, ya, oc + 48))).reinterpretAsInts();
                p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                q = q.add(q.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector part = p.mul(sc.rearrange(c == 0 ? S0 : c == 1 ? S2 : c == 2 ? S4 : S6))
                        .add(q.mul(sc.rearrange(c == 0 ? S1 : c == 1 ? S3 : c == 2 ? S5 : S7)));
                if ((c & 1) == 0) {
                    sE = sE.add(part);
                } else {
                    sO = sO.add(part);
                }
            }
            float dyb = dy[dyOff + b];
            FloatVector ddy = FloatVector.broadcast(Simd.F256, Float.float16ToFloat((short) dd) * dyb);
            FloatVector mdy = FloatVector.broadcast(Simd.F256, -(Float.float16ToFloat((short) (dd >>> 16)) * dyb));
            accE = ((FloatVector) sE.convert(VectorOperators.I2F, 0)).fma(ddy, accE);
            accO = ((FloatVector) sO.convert(VectorOperators.I2F, 0)).fma(ddy, accO);
            accE = mn.mul(FloatVector.fromArray(Simd.F256, ks, ksOff + 16 * b)).fma(mdy, accE);
            accO = mn.mul(FloatVector.fromArray(Simd.F256, ks, ksOff + 16 * b + 8)).fma(mdy, accO);
        }
        FloatVector h = accE.add(accO);
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }
}
