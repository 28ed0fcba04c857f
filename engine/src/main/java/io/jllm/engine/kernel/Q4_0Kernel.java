package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
 * A block's 16 bytes are one 128-bit load of 8 short lanes; and/shift give four nibble vectors
 * that line up with activations stored widened in that order, the {@code -8} comes in as a bias
 * precomputed from the activations, and each short lane is already one canonical lane.
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
     * SIMD layout of one block, 8 entries per run: quants 2i (low nibble of byte 2i), 16+2i (its
     * high nibble), 2i+1, 17+2i, and the bias {@code 8 * (sum of those four)}.
     */
    static void layoutActivations(Activations a, int b0, int blocks) {
        for (int b = b0; b < b0 + blocks; b++) {
            int src = b * 32;
            int dst = b * LAYOUT;
            for (int i = 0; i < 8; i++) {
                int lo0 = a.qs[src + 2 * i];
                int hi0 = a.qs[src + 16 + 2 * i];
                int lo1 = a.qs[src + 2 * i + 1];
                int hi1 = a.qs[src + 17 + 2 * i];
                a.n4[dst + i] = (short) lo0;
                a.n4[dst + 8 + i] = (short) hi0;
                a.n4[dst + 16 + i] = (short) lo1;
                a.n4[dst + 24 + i] = (short) hi1;
                a.n4[dst + 32 + i] = (short) (8 * (lo0 + hi0 + lo1 + hi1));
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
                y[t * stride + r] = dot(data, row, blocks, a.n4, t * blocks * LAYOUT, a.scales, t * blocks);
            }
        }
    };

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
