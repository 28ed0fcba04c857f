package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 weights times Q8_0 activations. Block (block_q8_0, 34 bytes per 32): fp16 d, 32 int8.
 *
 * <h2>Canonical dot product</h2>
 * 16 lanes; weight i of block b belongs to lane {@code 8*(b%2) + i/4}. Per block the 8 lanes of
 * its parity take {@code acc = fma(d*dy, S_L, acc)} with the exact integer {@code S_L}; the
 * result is {@link Simd#tree16} of the lanes (ggml_vec_dot_q8_0_q8_0 also scales per block in
 * float lanes).
 *
 * <h2>SIMD kernel</h2>
 * The 16-bit lanes of a block's 32 quants are split into even and odd bytes by shifts, multiplied
 * by activations stored widened and split the same way (two products of int8 with |activation| <=
 * 127 stay within 16 bits: at most 32,512), and widened to int lanes pairwise (each half
 * sign-extended separately, as their sum may not fit 16 bits). At 256 bits a block is one load.
 * At 512 bits a block pair (even, odd: all 16 canonical lanes) is one 512-bit vector, blended from
 * two loads 2 bytes apart (the odd block's quants start 34 bytes after the even one's), with one
 * 16-lane float accumulator; a row's odd last block runs alone.
 */
public final class Q8_0Kernel {
    static final int BLOCK_BYTES = 34;
    static final int D = 0;
    static final int QS = 2;

    private Q8_0Kernel() {
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
                for (int i = 4 * l; i < 4 * l + 4; i++) {
                    s += Bytes.i8(w, blk + QS + i) * a.qs[ab * 32 + i];
                }
                int lane = 8 * (b % 2) + l;
                acc[lane] = Math.fma(ddy, (float) s, acc[lane]);
            }
        }
        return Simd.tree16(acc, 0);
    }

    static final MatMulKernel REFERENCE = ReferenceKernels.of(GgmlType.Q8_0, Q8_0Kernel::referenceDot);

    /**
     * SIMD layout: a block's 16 even-indexed quants, then its 16 odd-indexed ones. At 512 bits the
     * blocks of a pair interleave (even quants of both, then odd quants of both), so one 32-lane
     * load serves both; a row's odd last block keeps the per-block form.
     */
    static void layoutActivations(Activations a, int b0, int blocks) {
        layoutActivations(a, b0, blocks, a.cols() / 32, Simd.WIDE);
    }

    /** {@link #layoutActivations} for rows of {@code rowBlocks} blocks, pairs interleaved or not. */
    static void layoutActivations(Activations a, int b0, int blocks, int rowBlocks, boolean pairs) {
        for (int b = b0; b < b0 + blocks; b++) {
            int src = b * 32;
            int inRow = b % rowBlocks;
            int size = pairs && (inRow | 1) < rowBlocks ? 2 : 1;
            int first = inRow & -size;
            int dst = (b - inRow + first) * 32 + 16 * (inRow - first);
            int run = 16 * size;
            for (int i = 0; i < 16; i++) {
                a.e8[dst + i] = a.qs[src + 2 * i];
                a.e8[dst + run + i] = a.qs[src + 2 * i + 1];
            }
        }
    }

    static final MatMulKernel SIMD = (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
        a.requireSimd(GgmlType.Q8_0, w.cols());
        if (Block32RowGemm.suits(a.tokens())) {
            Block32RowGemm.q8_0(w, r0, r1, a, y, stride);
            return;
        }
        if (Block32Gemm.suits(a.tokens())) {
            Block32Gemm.q8_0(w, r0, r1, a, y, stride);
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
                        ? dot512(data, row, blocks, a.e8, t * cols, a.scales, t * blocks)
                        : dot(data, row, blocks, a.e8, t * cols, a.scales, t * blocks);
            }
        }
    };

    /** Shorts 16-31 of a 512-bit vector: the odd block of a pair. */
    private static final VectorMask<Short> UPPER16 = VectorMask.fromLong(Simd.S512, 0xFFFF0000L);

    /** {@link #dot} at 512 bits, a block pair per step (layout: {@link #layoutActivations}, pairs). */
    private static float dot512(MemorySegment w, long row, int blocks, short[] ya, int yaOff, float[] dy, int dyOff) {
        FloatVector acc = FloatVector.zero(Simd.F512);
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long blk = row + (long) b * BLOCK_BYTES;
            // the even block's quants from the first load, the odd one's (34 bytes on) from the
            // second, 2 bytes on; it ends where the odd block does
            ShortVector v = ShortVector.fromMemorySegment(Simd.S512, w, blk + QS, Simd.LE)
                    .blend(ShortVector.fromMemorySegment(Simd.S512, w, blk + QS + 2, Simd.LE), UPPER16);
            ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector odd = v.lanewise(VectorOperators.ASHR, 8);
            int o = yaOff + b * 32;
            IntVector p = even.mul(ShortVector.fromArray(Simd.S512, ya, o))
                    .add(odd.mul(ShortVector.fromArray(Simd.S512, ya, o + 32))).reinterpretAsInts();
            p = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p
                    .lanewise(VectorOperators.ASHR, 16));
            float d0 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b];
            float d1 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + BLOCK_BYTES + D)) * dy[dyOff + b + 1];
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(Simd.F512, d0).blend(d1, Simd.UPPER8), acc);
        }
        if (b < blocks) {
            // the row's odd last block (even index: lanes 0-7), in the per-block layout
            long blk = row + (long) b * BLOCK_BYTES;
            ShortVector v = ShortVector.fromMemorySegment(Simd.S256, w, blk + QS, Simd.LE);
            ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector odd = v.lanewise(VectorOperators.ASHR, 8);
            int o = yaOff + b * 32;
            IntVector p = even.mul(ShortVector.fromArray(Simd.S256, ya, o))
                    .add(odd.mul(ShortVector.fromArray(Simd.S256, ya, o + 16))).reinterpretAsInts();
            p = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p
                    .lanewise(VectorOperators.ASHR, 16));
            FloatVector s = (FloatVector) p.convertShape(VectorOperators.I2F, Simd.F512, 0);
            float d0 = Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b];
            acc = acc.blend(s.fma(FloatVector.broadcast(Simd.F512, d0), acc), Simd.LOWER8);
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
            ShortVector v = ShortVector.fromMemorySegment(Simd.S256, w, blk + QS, Simd.LE);
            ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector odd = v.lanewise(VectorOperators.ASHR, 8);
            int o = yaOff + b * 32;
            IntVector p = even.mul(ShortVector.fromArray(Simd.S256, ya, o))
                    .add(odd.mul(ShortVector.fromArray(Simd.S256, ya, o + 16))).reinterpretAsInts();
            // each 16-bit half may be near 2^15, so widen both before adding
            p = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p
                    .lanewise(VectorOperators.ASHR, 16));
            FloatVector ddy = FloatVector.broadcast(Simd.F256,
                    Float.float16ToFloat(w.get(Bytes.SHORT_LE, blk + D)) * dy[dyOff + b]);
            FloatVector s = (FloatVector) p.convert(VectorOperators.I2F, 0);
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
