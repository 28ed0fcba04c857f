package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32, F16 and BF16 weights. F16/BF16 activations are rounded to the weight's format first, as
 * ggml does (its vec_dot_type for F16 is F16), and multiplied as the floats they round to.
 *
 * <h2>Canonical dot product</h2>
 * 16 lanes: element i goes to lane {@code i % 16}, each lane is a chain of
 * {@code acc = fma(w_i, x_i, acc)} in element order, and the row's result is
 * {@link Simd#tree16} of the lanes. Float rounding happens in every step, so this is a summation
 * order, not an exact sum: {@link #accurateDotF32} (double accumulation) is the yardstick for its
 * accuracy, and tests hold the canonical result to it within a bound derived from the row's
 * absolute products. (One 16-lane chain per row is enough: a 4-cycle FMA per 16 elements far
 * outruns the memory these rows stream from, and separate rows and tokens overlap.)
 *
 * <h2>SIMD kernel</h2>
 * One 512-bit or two 256-bit accumulators hold the 16 lanes; a row tail of fewer than 16
 * elements is read with masked loads and merged into only the lanes it covers. F16 weights are
 * converted with integer arithmetic (the Vector API has no half-float conversion): exponent and
 * mantissa bits shifted into float position and scaled by 2^112, which is exact for normal and
 * subnormal halves, with infinities and NaNs patched in.
 */
public final class FloatKernels {

    private FloatKernels() {
    }

    /** Canonical reference of {@code w[row..]} (element {@code j} read by {@code weight}) dotted with {@code x}. */
    private static float canonical(MemorySegment w, long row, int cols, float[] x, int xOff, WeightReader weight) {
        float[] acc = new float[16];
        for (int j = 0; j < cols; j++) {
            acc[j % 16] = Math.fma(weight.read(w, row, j), x[xOff + j], acc[j % 16]);
        }
        return Simd.tree16(acc, 0);
    }

    @FunctionalInterface
    private interface WeightReader {
        float read(MemorySegment w, long row, int j);
    }

    public static float referenceDotF32(MemorySegment w, long row, Activations a, int token, int cols) {
        return canonical(w, row, cols, a.f32, token * cols, (s, r, j) -> Bytes.f32(s, r + 4L * j));
    }

    public static float referenceDotF16(MemorySegment w, long row, Activations a, int token, int cols) {
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = Float.float16ToFloat(a.half[token * cols + j]);
        }
        return canonical(w, row, cols, x, 0, (s, r, j) -> Bytes.f16(s, r + 2L * j));
    }

    public static float referenceDotBF16(MemorySegment w, long row, Activations a, int token, int cols) {
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = ActivationQuantizer.fromBf16(a.half[token * cols + j]);
        }
        return canonical(w, row, cols, x, 0,
                (s, r, j) -> ActivationQuantizer.fromBf16(s.get(Bytes.SHORT_LE, r + 2L * j)));
    }

    /** F32 weights times F32 activations accumulated in double: the accuracy yardstick, not an oracle of bits. */
    public static double accurateDotF32(MemorySegment w, long row, float[] x, int xOff, int cols) {
        double acc = 0;
        for (int j = 0; j < cols; j++) {
            acc += (double) Bytes.f32(w, row + 4L * j) * x[xOff + j];
        }
        return acc;
    }

    static final MatMulKernel F32_REFERENCE = ReferenceKernels.of(GgmlType.F32, FloatKernels::referenceDotF32);

    static final MatMulKernel F16_REFERENCE = ReferenceKernels.of(GgmlType.F16, FloatKernels::referenceDotF16);

    static final MatMulKernel BF16_REFERENCE = ReferenceKernels.of(GgmlType.BF16, FloatKernels::referenceDotBF16);

    private static final int F32 = 0;
    private static final int F16 = 1;
    private static final int BF16 = 2;

    static final MatMulKernel F32_SIMD = (w, r0, r1, a, y, stride) -> {
        a.requireSimd(GgmlType.F32, w.cols());
        simd(w, r0, r1, a.f32, a.tokens(), y, stride, F32);
    };

    static final MatMulKernel F16_SIMD = (w, r0, r1, a, y, stride) -> {
        a.requireSimd(GgmlType.F16, w.cols());
        simd(w, r0, r1, a.rounded, a.tokens(), y, stride, F16);
    };

    static final MatMulKernel BF16_SIMD = (w, r0, r1, a, y, stride) -> {
        a.requireSimd(GgmlType.BF16, w.cols());
        simd(w, r0, r1, a.rounded, a.tokens(), y, stride, BF16);
    };

    private static void simd(WeightTensor w, int r0, int r1, float[] x, int tokens, float[] y, int stride, int kind) {
        MemorySegment data = w.data();
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            for (int t = 0; t < tokens; t++) {
                float dot;
                if (Simd.WIDE) {
                    dot = kind == F32 ? dotF32x512(data, row, cols, x, t * cols)
                            : dotHalf512(data, row, cols, x, t * cols, kind == F16);
                } else {
                    dot = kind == F32 ? dotF32x256(data, row, cols, x, t * cols)
                            : dotHalf256(data, row, cols, x, t * cols, kind == F16);
                }
                y[t * stride + r] = dot;
            }
        }
    }

    private static float dotF32x512(MemorySegment w, long row, int cols, float[] x, int xOff) {
        VectorSpecies<Float> f = Simd.F512;
        FloatVector acc = FloatVector.zero(f);
        int full = cols & ~15;
        for (int j = 0; j < full; j += 16) {
            acc = FloatVector.fromMemorySegment(f, w, row + 4L * j, Simd.LE)
                    .fma(FloatVector.fromArray(f, x, xOff + j), acc);
        }
        if (full < cols) {
            VectorMask<Float> m = f.indexInRange(full, cols);
            FloatVector wv = FloatVector.fromMemorySegment(f, w, row + 4L * full, Simd.LE, m);
            acc = acc.blend(wv.fma(FloatVector.fromArray(f, x, xOff + full, m), acc), m);
        }
        FloatVector h = acc.add(acc.rearrange(Simd.HALVES));
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }

    private static float dotF32x256(MemorySegment w, long row, int cols, float[] x, int xOff) {
        VectorSpecies<Float> f = Simd.F256;
        FloatVector accE = FloatVector.zero(f);
        FloatVector accO = accE;
        int full = cols & ~15;
        for (int j = 0; j < full; j += 16) {
            accE = FloatVector.fromMemorySegment(f, w, row + 4L * j, Simd.LE)
                    .fma(FloatVector.fromArray(f, x, xOff + j), accE);
            accO = FloatVector.fromMemorySegment(f, w, row + 4L * j + 32, Simd.LE)
                    .fma(FloatVector.fromArray(f, x, xOff + j + 8), accO);
        }
        for (int j = full; j < cols; j += 8) {
            VectorMask<Float> m = f.indexInRange(j, cols);
            FloatVector wv = FloatVector.fromMemorySegment(f, w, row + 4L * j, Simd.LE, m);
            FloatVector xv = FloatVector.fromArray(f, x, xOff + j, m);
            if (j == full) {
                accE = accE.blend(wv.fma(xv, accE), m);
            } else {
                accO = accO.blend(wv.fma(xv, accO), m);
            }
        }
        FloatVector h = accE.add(accO);
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }

    private static float dotHalf512(MemorySegment w, long row, int cols, float[] x, int xOff, boolean f16) {
        VectorSpecies<Float> f = Simd.F512;
        FloatVector acc = FloatVector.zero(f);
        for (int j = 0; j < cols; j += 16) {
            VectorMask<Float> m = f.indexInRange(j, cols);
            IntVector bits = (IntVector) ShortVector
                    .fromMemorySegment(Simd.S256, w, row + 2L * j, Simd.LE, m.cast(Simd.S256))
                    .convertShape(VectorOperators.S2I, Simd.I512, 0);
            FloatVector wv = f16 ? Simd.halfToFloat(bits) : bits.lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats();
            acc = acc.blend(wv.fma(FloatVector.fromArray(f, x, xOff + j, m), acc), m);
        }
        FloatVector h = acc.add(acc.rearrange(Simd.HALVES));
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }

    private static float dotHalf256(MemorySegment w, long row, int cols, float[] x, int xOff, boolean f16) {
        VectorSpecies<Float> f = Simd.F256;
        FloatVector accE = FloatVector.zero(f);
        FloatVector accO = accE;
        for (int j = 0; j < cols; j += 8) {
            VectorMask<Float> m = f.indexInRange(j, cols);
            IntVector bits = (IntVector) ShortVector
                    .fromMemorySegment(Simd.S128, w, row + 2L * j, Simd.LE, m.cast(Simd.S128))
                    .convertShape(VectorOperators.S2I, Simd.I256, 0);
            FloatVector wv = f16 ? Simd.halfToFloat(bits) : bits.lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats();
            FloatVector xv = FloatVector.fromArray(f, x, xOff + j, m);
            if ((j & 8) == 0) {
                accE = accE.blend(wv.fma(xv, accE), m);
            } else {
                accO = accO.blend(wv.fma(xv, accO), m);
            }
        }
        FloatVector h = accE.add(accO);
        return Simd.tree8(h.lane(0), h.lane(1), h.lane(2), h.lane(3), h.lane(4), h.lane(5), h.lane(6), h.lane(7));
    }
}
