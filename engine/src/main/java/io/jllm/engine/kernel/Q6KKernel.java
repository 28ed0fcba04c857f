package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Q6_K weights times Q8_K activations: the scalar reference and the SIMD kernels.
 *
 * <p>Block (ggml-common.h block_q6_K, 210 bytes per 256 weights): 128 bytes of low nibbles (ql) at
 * 0, 64 bytes of high 2-bit pairs (qh) at 128, sixteen int8 scales at 192, fp16 d at 208.
 * In each 128-weight half h: for l < 32, weights l, l+32, l+64, l+96 take the low nibble of
 * ql[64h+l], the low nibble of ql[64h+l+32], the high nibble of ql[64h+l], the high nibble of
 * ql[64h+l+32], with qh[32h+l] bits 0-1, 2-3, 4-5, 6-7 on top; value = q - 32. Scale k covers
 * weights 16k..16k+15 (ggml-quants.c dequantize_row_q6_K).
 *
 * <h2>Canonical dot product</h2>
 * Per block, 16 lanes: byte {@code m} of half h's ql (m = 0..63) belongs to lane
 * {@code L = 8*(m/32) + (m%32)/4}, with both of its weights; {@code S_L = sum scale*(q-32)*y}
 * is exact, lane L accumulates {@code acc = fma(d*dy, S_L, acc)} block after block, and the row's
 * result is {@link Simd#tree16} of the lanes.
 *
 * <h2>SIMD kernel</h2>
 * As {@link Q4KKernel}: 16-bit lanes of packed ql split into four nibble vectors by and/shift, the
 * qh pairs shifted into bits 4-5 and or-ed on, products with activations stored widened in the
 * matching order ({@link #activationOrder}). The {@code -32} is folded in per pair of products
 * with a bias the quantizer precomputes from the activations alone ({@code 32*(y_a + y_b)}), so
 * every 16-bit intermediate stays below 24,130 in magnitude.
 */
public final class Q6KKernel {
    static final int BLOCK_BYTES = 210;
    static final int QL = 0;
    static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;
    /** Shorts of SIMD activation layout per block: four nibble runs and two bias runs per load. */
    static final int LAYOUT = 384;

    // 512 bits, half h: P takes scales 8h + j/4, Q scales 8h + 4 + j/4 of the 16.
    private static final VectorShuffle<Integer> P0 = VectorShuffle.fromOp(Simd.I512, j -> j / 4);
    private static final VectorShuffle<Integer> Q0 = VectorShuffle.fromOp(Simd.I512, j -> 4 + j / 4);
    private static final VectorShuffle<Integer> P1 = VectorShuffle.fromOp(Simd.I512, j -> 8 + j / 4);
    private static final VectorShuffle<Integer> Q1 = VectorShuffle.fromOp(Simd.I512, j -> 12 + j / 4);
    private static final VectorShuffle<Integer> DUP_LO = VectorShuffle.fromOp(Simd.I512, j -> j % 8);
    private static final VectorShuffle<Integer> DUP_HI = VectorShuffle.fromOp(Simd.I512, j -> 8 + j % 8);
    private static final VectorShuffle<Float> HALVES = VectorShuffle.iota(Simd.F512, 8, 1, true);
    // 256 bits, one span per load, scales of one half: span s takes 2s + j/4 (P) and 4 + 2s + j/4 (Q).
    private static final VectorShuffle<Integer> G0 = VectorShuffle.fromOp(Simd.I256, j -> j / 4);
    private static final VectorShuffle<Integer> G1 = VectorShuffle.fromOp(Simd.I256, j -> 2 + j / 4);
    private static final VectorShuffle<Integer> G2 = VectorShuffle.fromOp(Simd.I256, j -> 4 + j / 4);
    private static final VectorShuffle<Integer> G3 = VectorShuffle.fromOp(Simd.I256, j -> 6 + j / 4);
    /** Per-lane right shift that brings span 1's qh pairs (bits 2-3, 6-7) down to span 0's place. */
    private static final int[] SPAN_SHIFT = {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2};

    private static final int[] ORDER = activationOrder(Simd.BITS == 0 ? 256 : Simd.BITS);

    private Q6KKernel() {
    }

    /** The signed 6-bit value of weight {@code i} (0..255) of the block at {@code blk}. */
    static int weight(MemorySegment w, long blk, int i) {
        int h = i / 128;
        int r = i % 128;
        int l = r % 32;
        int quarter = r / 32;
        int ql = Bytes.u8(w, blk + QL + 64 * h + l + (quarter % 2) * 32);
        int low = quarter < 2 ? ql & 0xF : ql >>> 4;
        int high = (Bytes.u8(w, blk + QH + 32 * h + l) >>> (2 * quarter)) & 3;
        return (low | (high << 4)) - 32;
    }

    /** Scalar reference (the canonical structure above). */
    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 256;
        float[] acc = new float[16];
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int ab = token * blocks + b;
            int q8 = ab * 256;
            float ddy = Bytes.f16(w, blk + D) * a.scales[ab];
            for (int lane = 0; lane < 16; lane++) {
                int s = 0;
                for (int h = 0; h < 2; h++) {
                    for (int pos = 4 * (lane % 8); pos < 4 * (lane % 8) + 4; pos++) {
                        int lowWeight = 128 * h + 32 * (lane / 8) + pos;
                        for (int i : new int[] {lowWeight, lowWeight + 64}) {
                            s += Bytes.i8(w, blk + SCALES + i / 16) * weight(w, blk, i) * a.qs[q8 + i];
                        }
                    }
                }
                acc[lane] = Math.fma(ddy, (float) s, acc[lane]);
            }
        }
        return Simd.tree16(acc, 0);
    }

    static final MatMulKernel REFERENCE = ReferenceKernels.of(GgmlType.Q8_K, Q6KKernel::referenceDot);

    /**
     * For a vector of {@code bits}: which quant (index within the block) each of the four nibble
     * runs of each load holds, as {@link Q4KKernel#activationOrder}; entry {@code (g*4 + part)*n + i}
     * for load {@code g} of {@code n = bits/16} short lanes.
     */
    static int[] activationOrder(int bits) {
        int n = bits / 16;
        int[] order = new int[256];
        for (int g = 0; g < 64 / n; g++) {
            for (int part = 0; part < 4; part++) {
                for (int i = 0; i < n; i++) {
                    int byteIndex = 2 * (g * n + i) + part / 2;
                    int h = byteIndex / 64;
                    int m = byteIndex % 64;
                    order[(g * 4 + part) * n + i] = 128 * h + 32 * (m / 32) + 64 * (part % 2) + m % 32;
                }
            }
        }
        return order;
    }

    /**
     * Fills the Q6_K SIMD layout of blocks {@code b0 .. b0+blocks-1}: per load, the four nibble
     * runs of {@link #activationOrder} followed by two bias runs, {@code 32*(low even + low odd)}
     * and {@code 32*(high even + high odd)}.
     */
    static void layoutActivations(Activations a, int b0, int blocks) {
        int n = Simd.BITS == 0 ? 16 : Simd.BITS / 16;
        for (int b = b0; b < b0 + blocks; b++) {
            int src = b * 256;
            int dst = b * LAYOUT;
            for (int g = 0; g < 64 / n; g++) {
                int in = g * 4 * n;
                int out = dst + g * 6 * n;
                for (int i = 0; i < n; i++) {
                    int lo0 = a.qs[src + ORDER[in + i]];
                    int hi0 = a.qs[src + ORDER[in + n + i]];
                    int lo1 = a.qs[src + ORDER[in + 2 * n + i]];
                    int hi1 = a.qs[src + ORDER[in + 3 * n + i]];
                    a.k6[out + i] = (short) lo0;
                    a.k6[out + n + i] = (short) hi0;
                    a.k6[out + 2 * n + i] = (short) lo1;
                    a.k6[out + 3 * n + i] = (short) hi1;
                    a.k6[out + 4 * n + i] = (short) (32 * (lo0 + lo1));
                    a.k6[out + 5 * n + i] = (short) (32 * (hi0 + hi1));
                }
            }
        }
    }

    static final MatMulKernel SIMD = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        a.requireSimd(GgmlType.Q8_K, w.cols());
        MemorySegment data = w.data();
        int cols = w.cols();
        int blocks = cols / 256;
        long rowBytes = w.rowBytes();
        int tokens = a.tokens();
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            for (int t = 0; t < tokens; t++) {
                y[t * stride + r] = Simd.WIDE
                        ? dot512(data, row, blocks, a.k6, t * blocks * LAYOUT, a.scales, t * blocks)
                        : dot256(data, row, blocks, a.k6, t * blocks * LAYOUT, a.scales, t * blocks);
            }
        }
    };

    private static float dot512(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] dy, int dyOff) {
        FloatVector acc = FloatVector.zero(Simd.F512);
        IntVector spanShift = IntVector.fromArray(Simd.I512, SPAN_SHIFT, 0);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            IntVector sc = (IntVector) ByteVector.fromMemorySegment(Simd.B128, w, blk + SCALES, Simd.LE)
                    .convertShape(VectorOperators.B2I, Simd.I512, 0);
            IntVector qhBoth = IntVector.fromMemorySegment(Simd.I512, w, blk + QH, Simd.LE);
            int o = yaOff + b * LAYOUT;
            IntVector s = IntVector.zero(Simd.I512);
            for (int h = 0; h < 2; h++) {
                IntVector v = IntVector.fromMemorySegment(Simd.I512, w, blk + QL + 64L * h, Simd.LE);
                IntVector hq = qhBoth.rearrange(h == 0 ? DUP_LO : DUP_HI).lanewise(VectorOperators.LSHR, spanShift);
                ShortVector lo0 = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                        .reinterpretAsShorts();
                ShortVector hi0 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                        .reinterpretAsShorts();
                ShortVector lo1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                        .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts();
                ShortVector hi1 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                        .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts();
                int oh = o + 192 * h;
                IntVector p = lo0.mul(ShortVector.fromArray(Simd.S512, ya, oh))
                        .add(lo1.mul(ShortVector.fromArray(Simd.S512, ya, oh + 64)))
                        .sub(ShortVector.fromArray(Simd.S512, ya, oh + 128)).reinterpretAsInts();
                IntVector q = hi0.mul(ShortVector.fromArray(Simd.S512, ya, oh + 32))
                        .add(hi1.mul(ShortVector.fromArray(Simd.S512, ya, oh + 96)))
                        .sub(ShortVector.fromArray(Simd.S512, ya, oh + 160)).reinterpretAsInts();
                p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                q = q.add(q.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                s = s.add(p.mul(sc.rearrange(h == 0 ? P0 : P1))).add(q.mul(sc.rearrange(h == 0 ? Q0 : Q1)));
            }
            float ddy = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Simd.F512, ddy), acc);
        }
        FloatVector h = acc.add(acc.rearrange(HALVES));
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }

    private static float dot256(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] dy, int dyOff) {
        FloatVector accE = FloatVector.zero(Simd.F256);
        FloatVector accO = FloatVector.zero(Simd.F256);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            ByteVector scBytes = ByteVector.fromMemorySegment(Simd.B128, w, blk + SCALES, Simd.LE);
            IntVector scLo = (IntVector) scBytes.convertShape(VectorOperators.B2I, Simd.I256, 0);
            IntVector scHi = (IntVector) scBytes.convertShape(VectorOperators.B2I, Simd.I256, 1);
            int o = yaOff + b * LAYOUT;
            IntVector sE = IntVector.zero(Simd.I256);
            IntVector sO = IntVector.zero(Simd.I256);
            for (int g = 0; g < 4; g++) {
                int h = g >> 1;
                int span = g & 1;
                IntVector v = IntVector.fromMemorySegment(Simd.I256, w, blk + QL + 32L * g, Simd.LE);
                IntVector hq = IntVector.fromMemorySegment(Simd.I256, w, blk + QH + 32L * h, Simd.LE);
                if (span == 1) {
                    hq = hq.lanewise(VectorOperators.LSHR, 2);
                }
                ShortVector lo0 = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                        .reinterpretAsShorts();
                ShortVector hi0 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                        .reinterpretAsShorts();
                ShortVector lo1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                        .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts();
                ShortVector hi1 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                        .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts();
                int og = o + 96 * g;
                IntVector p = lo0.mul(ShortVector.fromArray(Simd.S256, ya, og))
                        .add(lo1.mul(ShortVector.fromArray(Simd.S256, ya, og + 32)))
                        .sub(ShortVector.fromArray(Simd.S256, ya, og + 64)).reinterpretAsInts();
                IntVector q = hi0.mul(ShortVector.fromArray(Simd.S256, ya, og + 16))
                        .add(hi1.mul(ShortVector.fromArray(Simd.S256, ya, og + 48)))
                        .sub(ShortVector.fromArray(Simd.S256, ya, og + 80)).reinterpretAsInts();
                p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                q = q.add(q.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector sc = h == 0 ? scLo : scHi;
                IntVector part = p.mul(sc.rearrange(span == 0 ? G0 : G1)).add(q.mul(sc.rearrange(span == 0 ? G2 : G3)));
                if (span == 0) {
                    sE = sE.add(part);
                } else {
                    sO = sO.add(part);
                }
            }
            FloatVector ddy = FloatVector.broadcast(Simd.F256,
                    Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b]);
            accE = ((FloatVector) sE.convert(VectorOperators.I2F, 0)).fma(ddy, accE);
            accO = ((FloatVector) sO.convert(VectorOperators.I2F, 0)).fma(ddy, accO);
        }
        FloatVector h = accE.add(accO);
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }
}
