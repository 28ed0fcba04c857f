package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 weights times Q8_0 activations. Block (block_q4_0, 18 bytes per 32): fp16 d, 16 bytes whose
 * low nibbles are weights 0..15 and high nibbles weights 16..31, each minus 8.
 *
 * <h2>Canonical dot product</h2>
 * 16 lanes; byte m of block b (weights m and m+16) belongs to lane {@code 8*(b%2) + m/2}. Per
 * block the 8 lanes of its parity take {@code acc = fma(d*dy, S_L, acc)} with the exact integer
 * {@code S_L = sum (q-8)*y}; the result is {@link Simd#tree16} of the lanes.
 *
 * <h2>SIMD kernel</h2>
 * A block's 16 bytes are 8 short lanes; and/shift give four nibble vectors that line up with
 * activations stored widened in that order, the {@code -8} comes in as a bias precomputed from the
 * activations, and each short lane is already one canonical lane. At 256 bits a block is one
 * 128-bit load. At 512 bits four blocks run at once: a two-vector short permute (vpermi2w, AVX-512
 * BW) gathers their 64 quant bytes from two loads (a quad is 72 bytes), the products run on 32
 * short lanes, and each block pair (even, odd: all 16 canonical lanes) becomes one 16-lane float
 * vector for the one accumulator. A row's last 1-3 blocks run one at a time.
 * {@code cputime}, one thread, 3072x1024 batch 1, calibration cycles per block: 6.5-7.8 for the
 * 128-bit form, 5.0 for pairs, 4.6 for quads from four loads and three blends, 4.2 with the
 * permute; some runs of old and new jars alike came out 1.5 higher (host noise; bench/KERNELS.md,
 * twentieth session).
 */
public final class Q4_0Kernel {
    static final int BLOCK_BYTES = 18;
    static final int D = 0;
    static final int QS = 2;
    /** Shorts of SIMD activation layout per block: four nibble runs of 8 and a bias run of 8. */
    static final int LAYOUT = 40;

    private Q4_0Kernel() {
    }

    public static float referenceDot(MemorySegment w, long row, Activations a, int token, int cols) {
        int blocks = cols / 32;
        float[] acc = new float[16];
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            int ab = token * blocks + b;
            float ddy = Bytes.f16(w, blk + D) * a.scales[ab];
            for (int l = 0; l < 8; l++) {
                int s = 0;
                for (int m = 2 * l; m < 2 * l + 2; m++) {
                    int q = Bytes.u8(w, blk + QS + m);
                    s += ((q & 0xF) - 8) * a.qs[ab * 32 + m] + ((q >>> 4) - 8) * a.qs[ab * 32 + 16 + m];
                }
                int lane = 8 * (b % 2) + l;
                acc[lane] = Math.fma(ddy, (float) s, acc[lane]);
            }
        }
        return Simd.tree16(acc, 0);
    }

    static final MatMulKernel REFERENCE = ReferenceKernels.of(GgmlType.Q8_0, Q4_0Kernel::referenceDot);

    /**
     * SIMD layout, 8 entries per block and run: quants 2i (low nibble of byte 2i), 16+2i (its high
     * nibble), 2i+1, 17+2i, and the bias {@code 8 * (sum of those four)}. At 256 bits a block's five
     * runs follow each other ({@link #LAYOUT} shorts per block). At 512 bits the four blocks of a
     * quad interleave run by run (run k of the quad: each block's 8 entries in turn), so that one
     * 32-lane load serves all four; a row's last 1-3 blocks keep the per-block form. A token's
     * activations take {@code blocks * LAYOUT} shorts either way, and quads never cross a row.
     */
    static void layoutActivations(Activations a, int b0, int blocks) {
        layoutActivations(a, b0, blocks, a.cols() / 32, Simd.WIDE);
    }

    /**
     * {@link #layoutActivations} for rows of {@code rowBlocks} blocks, interleaved in quads (at 512
     * bits; a row's last 1-3 blocks keep the per-block form) or not.
     */
    static void layoutActivations(Activations a, int b0, int blocks, int rowBlocks, boolean groups) {
        int quads = rowBlocks & ~3;
        for (int b = b0; b < b0 + blocks; b++) {
            int src = b * 32;
            int inRow = b % rowBlocks;
            // the group's first block in the row and its size; run k of a group holds 8 entries of
            // each of its blocks in turn
            int size = groups && inRow < quads ? 4 : 1;
            int first = inRow & -size;
            int dst = (b - inRow + first) * LAYOUT + 8 * (inRow - first);
            int run = 8 * size;
            for (int i = 0; i < 8; i++) {
                int lo0 = a.qs[src + 2 * i];
                int hi0 = a.qs[src + 16 + 2 * i];
                int lo1 = a.qs[src + 2 * i + 1];
                int hi1 = a.qs[src + 17 + 2 * i];
                a.n4[dst + i] = (short) lo0;
                a.n4[dst + run + i] = (short) hi0;
                a.n4[dst + 2 * run + i] = (short) lo1;
                a.n4[dst + 3 * run + i] = (short) hi1;
                a.n4[dst + 4 * run + i] = (short) (8 * (lo0 + hi0 + lo1 + hi1));
            }
        }
    }

    static final MatMulKernel SIMD = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        a.requireSimd(GgmlType.Q8_0, w.cols());
        if (Block32RowGemm.suits(a.tokens())) {
            Block32RowGemm.q4_0(w, r0, r1, a, y, stride);
            return;
        }
        if (Block32Gemm.suits(a.tokens())) {
            Block32Gemm.q4_0(w, r0, r1, a, y, stride);
            return;
        }
        MemorySegment data = w.data();
        int cols = w.cols();
        int blocks = cols / 32;
        long rowBytes = w.rowBytes();
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            for (int t = 0; t < a.tokens(); t++) {
                y[t * stride + r] = Simd.WIDE
                        ? dot512(data, row, blocks, a.n4, t * blocks * LAYOUT, a.scales, t * blocks)
                        : dot(data, row, blocks, a.n4, t * blocks * LAYOUT, a.scales, t * blocks);
            }
        }
    };

    /**
     * Short i of a quad's quants, from two 64-byte loads (at the first block's quants and 6 bytes
     * on, ending where block b+3 does): part k = i/8 is block b+k's 8 shorts, 9k shorts on. Shorts,
     * not bytes: a two-vector short permute (vpermi2w) needs only AVX-512 BW, a byte one VBMI.
     */
    private static final ShortVector QUAD_SHORTS = ShortVector.fromArray(Simd.S512, quadShorts(), 0);

    private static short[] quadShorts() {
        short[] at = new short[32];
        for (int i = 0; i < 32; i++) {
            int k = i / 8;
            at[i] = (short) (k < 3 ? 9 * k + i % 8 : 32 + 9 * k - 3 + i % 8);
        }
        return at;
    }

    /** Ints 8-15 to lanes 0-7: the shorts of blocks b+2 and b+3 where a conversion reads them. */
    private static final VectorShuffle<Integer> UPPER_TO_LOWER = VectorShuffle.fromOp(Simd.I512, i -> (i + 8) % 16);

    /** {@link #dot} at 512 bits, four blocks per step (layout: {@link #layoutActivations}, groups). */
    private static float dot512(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] dy, int dyOff) {
        FloatVector acc = FloatVector.zero(Simd.F512);
        int b = 0;
        for (; b + 3 < blocks; b += 4) {
            long blk = row + (long) b * BLOCK_BYTES;
            IntVector v = QUAD_SHORTS.selectFrom(ShortVector.fromMemorySegment(Simd.S512, w, blk + QS, Simd.LE),
                    ShortVector.fromMemorySegment(Simd.S512, w, blk + QS + 6, Simd.LE)).reinterpretAsInts();
            ShortVector lo0 = v.and(0x000F000F).reinterpretAsShorts();
            ShortVector hi0 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts();
            ShortVector lo1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts();
            ShortVector hi1 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts();
            int o = yaOff + b * LAYOUT;
            ShortVector p = lo0.mul(ShortVector.fromArray(Simd.S512, ya, o))
                    .add(hi0.mul(ShortVector.fromArray(Simd.S512, ya, o + 32)))
                    .add(lo1.mul(ShortVector.fromArray(Simd.S512, ya, o + 64)))
                    .add(hi1.mul(ShortVector.fromArray(Simd.S512, ya, o + 96)))
                    .sub(ShortVector.fromArray(Simd.S512, ya, o + 128));
            FloatVector s01 = (FloatVector) p.convertShape(VectorOperators.S2F, Simd.F512, 0);
            FloatVector s23 = (FloatVector) p.reinterpretAsInts().rearrange(UPPER_TO_LOWER).reinterpretAsShorts()
                    .convertShape(VectorOperators.S2F, Simd.F512, 0);
            float d0 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b];
            float d1 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + BLOCK_BYTES + D)) * dy[dyOff + b + 1];
            float d2 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + 2 * BLOCK_BYTES + D)) * dy[dyOff + b + 2];
            float d3 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + 3 * BLOCK_BYTES + D)) * dy[dyOff + b + 3];
            acc = s01.fma(FloatVector.broadcast(Simd.F512, d0).blend(d1, Simd.UPPER8), acc);
            acc = s23.fma(FloatVector.broadcast(Simd.F512, d2).blend(d3, Simd.UPPER8), acc);
        }
        for (; b < blocks; b++) {
            // the row's last 1-3 blocks one at a time, in the per-block layout: lanes 0-7, moved
            // to 8-15 for an odd block (no Qwen3 row has them; tests do)
            long blk = row + (long) b * BLOCK_BYTES;
            IntVector v = IntVector.fromMemorySegment(Simd.I128, w, blk + QS, Simd.LE);
            int o = yaOff + b * LAYOUT;
            ShortVector p = v.and(0x000F000F).reinterpretAsShorts().mul(ShortVector.fromArray(Simd.S128, ya, o))
                    .add(v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts()
                            .mul(ShortVector.fromArray(Simd.S128, ya, o + 8)))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts()
                            .mul(ShortVector.fromArray(Simd.S128, ya, o + 16)))
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts()
                            .mul(ShortVector.fromArray(Simd.S128, ya, o + 24)))
                    .sub(ShortVector.fromArray(Simd.S128, ya, o + 32));
            FloatVector s = (FloatVector) p.convertShape(VectorOperators.S2F, Simd.F512, 0);
            boolean odd = (b & 1) != 0;
            if (odd) {
                s = s.rearrange(Simd.HALVES);
            }
            float d = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b];
            acc = acc.blend(s.fma(FloatVector.broadcast(Simd.F512, d), acc), odd ? Simd.UPPER8 : Simd.LOWER8);
        }
        // Simd.tree16 lane-wise, written here: as a shared helper C2 did not inline it into this
        // kernel and the accumulator went to it boxed (bench/KERNELS.md, twentieth session)
        FloatVector h = acc.add(acc.rearrange(Simd.HALVES));
        h = h.add(h.rearrange(Simd.XOR4));
        h = h.add(h.rearrange(Simd.XOR2));
        h = h.add(h.rearrange(Simd.XOR1));
        return h.lane(0);
    }

    private static float dot(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] dy, int dyOff) {
        FloatVector accE = FloatVector.zero(Simd.F256);
        FloatVector accO = FloatVector.zero(Simd.F256);
        for (int b = 0; b < blocks; b++) {
            long blk = row + (long) b * BLOCK_BYTES;
            IntVector v = IntVector.fromMemorySegment(Simd.I128, w, blk + QS, Simd.LE);
            ShortVector lo0 = v.and(0x000F000F).reinterpretAsShorts();
            ShortVector hi0 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts();
            ShortVector lo1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts();
            ShortVector hi1 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts();
            int o = yaOff + b * LAYOUT;
            ShortVector p = lo0.mul(ShortVector.fromArray(Simd.S128, ya, o))
                    .add(hi0.mul(ShortVector.fromArray(Simd.S128, ya, o + 8)))
                    .add(lo1.mul(ShortVector.fromArray(Simd.S128, ya, o + 16)))
                    .add(hi1.mul(ShortVector.fromArray(Simd.S128, ya, o + 24)))
                    .sub(ShortVector.fromArray(Simd.S128, ya, o + 32));
            FloatVector s = (FloatVector) p.convertShape(VectorOperators.S2F, Simd.F256, 0);
            FloatVector ddy = FloatVector.broadcast(Simd.F256,
                    Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b]);
            if ((b & 1) == 0) {
                accE = s.fma(ddy, accE);
            } else {
                accO = s.fma(ddy, accO);
            }
        }
        FloatVector h = accE.add(accO);
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }
}
