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
import jdk.incubator.vector.VectorSpecies;

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
 * Per block, 8 lanes: byte {@code m} of either half's ql (m = 0..63) belongs to lane
 * {@code L = (m%32)/4}, with both of its weights (32 weights a lane); {@code S_L = sum
 * scale*(q-32)*y} is exact (each product at most 2^19 in magnitude, so every partial sum of 32 is
 * an integer of at most 2^24), lane L accumulates {@code acc = fma(d*dy, S_L, acc)} block after
 * block, and the row's result is {@link Simd#tree16} of the 8 lanes and 8 zeros, as for
 * {@link Q4KKernel}. Kernels whose vectors hold 16 half-lanes ({@code 8*(m/32) + (m%32)/4}) add
 * lanes L and L+8 before the fold.
 *
 * <h2>SIMD kernel</h2>
 * As {@link Q4KKernel}: 16-bit lanes of packed ql split into four nibble vectors by and/shift, the
 * qh pairs shifted into bits 4-5 and or-ed on, products with activations stored widened in the
 * matching order ({@link #activationOrder}). The {@code -32} is folded in per pair of products
 * with a bias the quantizer precomputes from the activations alone ({@code 32*(y_a + y_b)}), so
 * every 16-bit intermediate stays below 24,130 in magnitude; pairs are widened and scaled exactly
 * in float lanes, two rows share activation loads and rows run as one flat loop over
 * (row pair, block). Larger batches take {@link KQuantSmallBatch} or {@link KQuantGemm}.
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
    private static final VectorShuffle<Float> P0 = VectorShuffle.fromOp(Simd.F512, j -> j / 4);
    private static final VectorShuffle<Float> Q0 = VectorShuffle.fromOp(Simd.F512, j -> 4 + j / 4);
    private static final VectorShuffle<Float> P1 = VectorShuffle.fromOp(Simd.F512, j -> 8 + j / 4);
    private static final VectorShuffle<Float> Q1 = VectorShuffle.fromOp(Simd.F512, j -> 12 + j / 4);
    private static final VectorShuffle<Integer> DUP_LO = VectorShuffle.fromOp(Simd.I512, j -> j % 8);
    private static final VectorShuffle<Integer> DUP_HI = VectorShuffle.fromOp(Simd.I512, j -> 8 + j % 8);
    // 256 bits, one span per load, scales of one half: span s takes 2s + j/4 (P) and 4 + 2s + j/4 (Q).
    /** The 8 scales of a 128-weight half at 256 bits, from one 8-byte load. */
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorShuffle<Float> G0 = VectorShuffle.fromOp(Simd.F256, j -> j / 4);
    private static final VectorShuffle<Float> G1 = VectorShuffle.fromOp(Simd.F256, j -> 2 + j / 4);
    private static final VectorShuffle<Float> G2 = VectorShuffle.fromOp(Simd.F256, j -> 4 + j / 4);
    private static final VectorShuffle<Float> G3 = VectorShuffle.fromOp(Simd.F256, j -> 6 + j / 4);
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
            for (int lane = 0; lane < 8; lane++) {
                int s = 0;
                for (int h = 0; h < 2; h++) {
                    for (int pos = 4 * lane; pos < 4 * lane + 4; pos++) {
                        for (int quarter = 0; quarter < 4; quarter++) {
                            int i = 128 * h + 32 * quarter + pos;
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
    /**
     * {@link #layoutActivations} at 512 bits with vectors: for load {@code g} the four runs are the
     * even and odd bytes of the 64 at {@code 128g} (low nibbles) and at {@code 128g + 64} (high),
     * i.e. the two 64-byte vectors read as little-endian shorts, sign-extended from either byte.
     */
    private static void layout512(byte[] qs, int src, short[] out, int dst) {
        for (int g = 0; g < 2; g++) {
            ShortVector lo = ByteVector.fromArray(ByteVector.SPECIES_512, qs, src + 128 * g).reinterpretAsShorts();
            ShortVector hi = ByteVector.fromArray(ByteVector.SPECIES_512, qs, src + 128 * g + 64).reinterpretAsShorts();
            ShortVector lo0 = lo.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector hi0 = hi.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector lo1 = lo.lanewise(VectorOperators.ASHR, 8);
            ShortVector hi1 = hi.lanewise(VectorOperators.ASHR, 8);
            int at = dst + g * 6 * 32;
            lo0.intoArray(out, at);
            hi0.intoArray(out, at + 32);
            lo1.intoArray(out, at + 64);
            hi1.intoArray(out, at + 96);
            lo0.add(lo1).lanewise(VectorOperators.LSHL, 5).intoArray(out, at + 128);
            hi0.add(hi1).lanewise(VectorOperators.LSHL, 5).intoArray(out, at + 160);
        }
    }

    static void layoutActivations(Activations a, int b0, int blocks) {
        if (Simd.WIDE) {
            for (int b = b0; b < b0 + blocks; b++) {
                layout512(a.qs, b * 256, a.k6, b * LAYOUT);
            }
            return;
        }
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
        if (KQuantRowGemm.suits(a.tokens())) {
            KQuantRowGemm.q6k(w, r0, r1, a, y, stride);
            return;
        }
        if (KQuantGemm.suits(a.tokens())) {
            KQuantGemm.q6k(w, r0, r1, a, y, stride);
            return;
        }
        int first = 0;
        if (KQuantSmallBatch.suits(a.tokens())) {
            KQuantSmallBatch.q6k(w, r0, r1, a, y, stride);
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
                flat512(data, rowBytes, r0, r1, blocks, a.k6, t * blocks * LAYOUT, a.scales, t * blocks, y, t * stride);
            }
            return;
        }
        for (int t = first; t < a.tokens(); t++) {
            flat256(data, rowBytes, r0, r1, blocks, a.k6, t * blocks * LAYOUT, a.scales, t * blocks, y, t * stride);
        }
    };

    /**
     * Rows {@code ra} and {@code rb} times every token, 512 bits, sharing activation loads; one
     * load covers a 128-weight half. The pair sums are widened and scaled exactly as in
     * {@link Q4KKernel} (integers below 2^24 in float lanes).
     */
    /**
     * Rows r0..r1-1 times one token, two rows at a time, as one flat loop over (row pair, block):
     * with 4 blocks per row (1024 columns) a loop per row would spend much of its time entering
     * and leaving. An odd last row is paired with itself.
     */
    private static void flat512(MemorySegment w, long rowBytes, int r0, int r1, int blocks, short[] ya, int yaOff,
            float[] dy, int dyOff, float[] y, int yOff) {
        IntVector spanShift = IntVector.fromArray(Simd.I512, SPAN_SHIFT, 0);
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
            FloatVector unitA = ((FloatVector) ByteVector.fromMemorySegment(Simd.B128, w, blkA + SCALES, Simd.LE)
                    .convertShape(VectorOperators.B2F, Simd.F512, 0)).mul(0x1p-16f);
            FloatVector unitB = ((FloatVector) ByteVector.fromMemorySegment(Simd.B128, w, blkB + SCALES, Simd.LE)
                    .convertShape(VectorOperators.B2F, Simd.F512, 0)).mul(0x1p-16f);
            IntVector qhA = IntVector.fromMemorySegment(Simd.I512, w, blkA + QH, Simd.LE);
            IntVector qhB = IntVector.fromMemorySegment(Simd.I512, w, blkB + QH, Simd.LE);
            int o = yaOff + b * LAYOUT;
            FloatVector sA = FloatVector.zero(Simd.F512);
            FloatVector sB = sA;
            // the two halves written out, so that every rearrange has a constant shuffle: 27 against
            // 33 cycles per block with the shuffles picked per loop iteration. A JVM whose hot
            // kernels are 128-bit (a Q4_0 file) can still compile this into the Java fallbacks
            // (bench/KERNELS.md, nineteenth session)
            ShortVector y0;
            ShortVector y1;
            ShortVector y2;
            ShortVector y3;
            ShortVector biasP;
            ShortVector biasQ;
            IntVector v;
            IntVector hq;
            IntVector p;
            IntVector q;
            // half 0
            y0 = ShortVector.fromArray(Simd.S512, ya, o);
            y1 = ShortVector.fromArray(Simd.S512, ya, o + 32);
            y2 = ShortVector.fromArray(Simd.S512, ya, o + 64);
            y3 = ShortVector.fromArray(Simd.S512, ya, o + 96);
            biasP = ShortVector.fromArray(Simd.S512, ya, o + 128);
            biasQ = ShortVector.fromArray(Simd.S512, ya, o + 160);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QL, Simd.LE);
            hq = qhA.rearrange(DUP_LO).lanewise(VectorOperators.LSHR, spanShift);
            p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                    .reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts().mul(y2))
                    .sub(biasP).reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                    .reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts().mul(y3))
                    .sub(biasQ).reinterpretAsInts();
            sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P0), sA);
            sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q0), sA);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QL, Simd.LE);
            hq = qhB.rearrange(DUP_LO).lanewise(VectorOperators.LSHR, spanShift);
            p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                    .reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts().mul(y2))
                    .sub(biasP).reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                    .reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts().mul(y3))
                    .sub(biasQ).reinterpretAsInts();
            sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P0), sB);
            sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q0), sB);
            // half 1
            y0 = ShortVector.fromArray(Simd.S512, ya, o + 192);
            y1 = ShortVector.fromArray(Simd.S512, ya, o + 192 + 32);
            y2 = ShortVector.fromArray(Simd.S512, ya, o + 192 + 64);
            y3 = ShortVector.fromArray(Simd.S512, ya, o + 192 + 96);
            biasP = ShortVector.fromArray(Simd.S512, ya, o + 192 + 128);
            biasQ = ShortVector.fromArray(Simd.S512, ya, o + 192 + 160);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkA + QL + 64, Simd.LE);
            hq = qhA.rearrange(DUP_HI).lanewise(VectorOperators.LSHR, spanShift);
            p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                    .reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts().mul(y2))
                    .sub(biasP).reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                    .reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts().mul(y3))
                    .sub(biasQ).reinterpretAsInts();
            sA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(P1), sA);
            sA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(Q1), sA);
            v = IntVector.fromMemorySegment(Simd.I512, w, blkB + QL + 64, Simd.LE);
            hq = qhB.rearrange(DUP_HI).lanewise(VectorOperators.LSHR, spanShift);
            p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                    .reinterpretAsShorts().mul(y0)
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts().mul(y2))
                    .sub(biasP).reinterpretAsInts();
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                    .reinterpretAsShorts().mul(y1)
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                            .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts().mul(y3))
                    .sub(biasQ).reinterpretAsInts();
            sB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(P1), sB);
            sB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                    .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(Q1), sB);
            float dyb = dy[dyOff + b];
            // lanes L and L+8 hold the halves of canonical lane L%8: row A's merged into lanes 0-7,
            // row B's into 8-15 (exact integer sums), with one shuffle for both rows where a merge
            // per row took two: this kernel's shuffles (scales, high bits) are what bind it
            FloatVector m = sA.blend(sB, Simd.UPPER8)
                    .add(sB.blend(sA, Simd.UPPER8).rearrange(Simd.HALVES));
            acc = m.fma(FloatVector.broadcast(Simd.F512, Float.float16ToFloat(w.get(Bytes.SHORT_LE, blkA + D)))
                    .blend(FloatVector.broadcast(Simd.F512, Float.float16ToFloat(w.get(Bytes.SHORT_LE, blkB + D))),
                            Simd.UPPER8)
                    .mul(dyb), acc);
            if (++b == blocks) {
                // Simd.tree8 of both rows at once: row A in lanes 0-7, row B in lanes 8-15
                FloatVector hv = acc;
                hv = hv.add(hv.rearrange(Simd.XOR4));
                hv = hv.add(hv.rearrange(Simd.XOR2));
                hv = hv.add(hv.rearrange(Simd.XOR1));
                y[yOff + ra] = hv.lane(0);
                y[yOff + rb] = hv.lane(8);
                acc = FloatVector.zero(Simd.F512);
                b = 0;
                ra += 1;
                rb = Math.min(ra + half, r1 - 1);
                rowA = ra * rowBytes;
                rowB = rb * rowBytes;
            }
        }
    }

    /**
     * {@link #flat512} for 256-bit vectors: one 32-byte load per step, the halves of the canonical
     * lanes from even and odd spans in two sums, added before the fold.
     */
    private static void flat256(MemorySegment w, long rowBytes, int r0, int r1, int blocks, short[] ya, int yaOff,
            float[] dy, int dyOff, float[] y, int yOff) {
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
            int o = yaOff + b * LAYOUT;
            FloatVector sEA = FloatVector.zero(Simd.F256);
            FloatVector sOA = sEA;
            FloatVector sEB = sEA;
            FloatVector sOB = sEA;
            // per 128-weight half: its 8 scales converted once (8 bytes, part 0: a part-indexed
            // conversion of all 16 per 64 weights cost ~10 % of the kernel) and its 32 high-bit bytes
            // loaded once for both spans
            for (int h = 0; h < 2; h++) {
                FloatVector unitA = ((FloatVector) ByteVector.fromMemorySegment(B64, w, blkA + SCALES + 8L * h, Simd.LE)
                        .convertShape(VectorOperators.B2F, Simd.F256, 0)).mul(0x1p-16f);
                FloatVector unitB = ((FloatVector) ByteVector.fromMemorySegment(B64, w, blkB + SCALES + 8L * h, Simd.LE)
                        .convertShape(VectorOperators.B2F, Simd.F256, 0)).mul(0x1p-16f);
                IntVector hqA0 = IntVector.fromMemorySegment(Simd.I256, w, blkA + QH + 32L * h, Simd.LE);
                IntVector hqB0 = IntVector.fromMemorySegment(Simd.I256, w, blkB + QH + 32L * h, Simd.LE);
                // the two spans written out, so that each rearrange has a constant shuffle: with one
                // picked per iteration, C2 loaded and masked its indices at every use, and the ops on
                // vectors crossing that loop's head needed the JDK's receiver profiles (KERNELS.md)
                {
                    // span 0: chunk 2 * h of the block, into the even lanes' sums
                    int og = o + 96 * (2 * h);
                    ShortVector y0 = ShortVector.fromArray(Simd.S256, ya, og);
                    ShortVector y1 = ShortVector.fromArray(Simd.S256, ya, og + 16);
                    ShortVector y2 = ShortVector.fromArray(Simd.S256, ya, og + 32);
                    ShortVector y3 = ShortVector.fromArray(Simd.S256, ya, og + 48);
                    ShortVector biasP = ShortVector.fromArray(Simd.S256, ya, og + 64);
                    ShortVector biasQ = ShortVector.fromArray(Simd.S256, ya, og + 80);
                    IntVector v = IntVector.fromMemorySegment(Simd.I256, w, blkA + QL + 32L * (2 * h), Simd.LE);
                    IntVector hq = hqA0;
                    IntVector p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                            .reinterpretAsShorts().mul(y0)
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y2))
                            .sub(biasP).reinterpretAsInts();
                    IntVector q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                            .reinterpretAsShorts().mul(y1)
                            .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y3))
                            .sub(biasQ).reinterpretAsInts();
                    sEA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                            .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(G2),
                                    ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                                            .convert(VectorOperators.I2F, 0)).mul(unitA.rearrange(G0)))
                            .add(sEA);
                    v = IntVector.fromMemorySegment(Simd.I256, w, blkB + QL + 32L * (2 * h), Simd.LE);
                    hq = hqB0;
                    p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                            .reinterpretAsShorts().mul(y0)
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y2))
                            .sub(biasP).reinterpretAsInts();
                    q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                            .reinterpretAsShorts().mul(y1)
                            .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y3))
                            .sub(biasQ).reinterpretAsInts();
                    sEB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                            .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(G2),
                                    ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                                            .convert(VectorOperators.I2F, 0)).mul(unitB.rearrange(G0)))
                            .add(sEB);
                }
                {
                    // span 1: chunk 2 * h + 1 of the block, into the odd lanes' sums
                    int og = o + 96 * (2 * h + 1);
                    ShortVector y0 = ShortVector.fromArray(Simd.S256, ya, og);
                    ShortVector y1 = ShortVector.fromArray(Simd.S256, ya, og + 16);
                    ShortVector y2 = ShortVector.fromArray(Simd.S256, ya, og + 32);
                    ShortVector y3 = ShortVector.fromArray(Simd.S256, ya, og + 48);
                    ShortVector biasP = ShortVector.fromArray(Simd.S256, ya, og + 64);
                    ShortVector biasQ = ShortVector.fromArray(Simd.S256, ya, og + 80);
                    IntVector v = IntVector.fromMemorySegment(Simd.I256, w, blkA + QL + 32L * (2 * h + 1), Simd.LE);
                    IntVector hq = hqA0.lanewise(VectorOperators.LSHR, 2);
                    IntVector p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                            .reinterpretAsShorts().mul(y0)
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y2))
                            .sub(biasP).reinterpretAsInts();
                    IntVector q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                            .reinterpretAsShorts().mul(y1)
                            .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y3))
                            .sub(biasQ).reinterpretAsInts();
                    sOA = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                            .convert(VectorOperators.I2F, 0)).fma(unitA.rearrange(G3),
                                    ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                                            .convert(VectorOperators.I2F, 0)).mul(unitA.rearrange(G1)))
                            .add(sOA);
                    v = IntVector.fromMemorySegment(Simd.I256, w, blkB + QL + 32L * (2 * h + 1), Simd.LE);
                    hq = hqB0.lanewise(VectorOperators.LSHR, 2);
                    p = v.and(0x000F000F).or(hq.lanewise(VectorOperators.LSHL, 4).and(0x00300030))
                            .reinterpretAsShorts().mul(y0)
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 4).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y2))
                            .sub(biasP).reinterpretAsInts();
                    q = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).or(hq.and(0x00300030))
                            .reinterpretAsShorts().mul(y1)
                            .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F)
                                    .or(hq.lanewise(VectorOperators.LSHR, 8).and(0x00300030)).reinterpretAsShorts()
                                    .mul(y3))
                            .sub(biasQ).reinterpretAsInts();
                    sOB = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).add(q.and(0xFFFF0000))
                            .convert(VectorOperators.I2F, 0)).fma(unitB.rearrange(G3),
                                    ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p.and(0xFFFF0000))
                                            .convert(VectorOperators.I2F, 0)).mul(unitB.rearrange(G1)))
                            .add(sOB);
                }
            }
            float dyb = dy[dyOff + b];
            FloatVector ddyA = FloatVector.broadcast(Simd.F256, Float.float16ToFloat(w.get(Bytes.SHORT_LE, blkA + D))
                    * dyb);
            FloatVector ddyB = FloatVector.broadcast(Simd.F256, Float.float16ToFloat(w.get(Bytes.SHORT_LE, blkB + D))
                    * dyb);
            accA = sEA.add(sOA).fma(ddyA, accA);
            accB = sEB.add(sOB).fma(ddyB, accB);
            if (++b == blocks) {
                FloatVector hv = accA.add(accA.rearrange(Simd.XOR4_256));
                hv = hv.add(hv.rearrange(Simd.XOR2_256));
                y[yOff + ra] = hv.add(hv.rearrange(Simd.XOR1_256)).lane(0);
                hv = accB.add(accB.rearrange(Simd.XOR4_256));
                hv = hv.add(hv.rearrange(Simd.XOR2_256));
                y[yOff + rb] = hv.add(hv.rearrange(Simd.XOR1_256)).lane(0);
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
