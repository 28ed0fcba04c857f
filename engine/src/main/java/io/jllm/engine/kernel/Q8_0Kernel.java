package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
 * 256 bits whatever the machine (a block's 32 quants are one 256-bit load; blocks of 34 bytes do
 * not line up for wider loads): the 16-bit lanes of a load are split into even and odd bytes by
 * shifts, multiplied by activations stored widened and split the same way (two products of int8
 * with |activation| <= 127 stay within 16 bits: at most 32,512), and widened to int lanes
 * pairwise (each half sign-extended separately, as their sum may not fit 16 bits).
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

    /** SIMD layout of one block: its 16 even-indexed quants, then its 16 odd-indexed ones. */
    static void layoutActivations(Activations a, int b0, int blocks) {
        for (int b = b0; b < b0 + blocks; b++) {
            int base = b * 32;
            for (int i = 0; i < 16; i++) {
                a.e8[base + i] = a.qs[base + 2 * i];
                a.e8[base + 16 + i] = a.qs[base + 2 * i + 1];
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
                y[t * stride + r] = dot(data, row, blocks, a.e8, t * cols, a.scales, t * blocks);
            }
        }
    };

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
