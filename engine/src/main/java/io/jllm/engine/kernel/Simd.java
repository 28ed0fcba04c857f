package io.jllm.engine.kernel;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width the SIMD kernels use and the fixed summation tree every kernel and its scalar
 * reference end with.
 *
 * <h2>Why results do not depend on the vector width or the batch</h2>
 * Every dot product is defined by a canonical structure that does not mention vectors: the
 * products of one weight block (or the elements of a float row) are split into 16 fixed lane
 * sets, each lane's part is an exact integer (quantized types) or a chain of
 * {@code Math.fma} in element order (float types), the block's float scale is applied per lane
 * with one {@code fma}, and the lanes are summed by {@link #tree16} at the end. The 256-bit and
 * 512-bit kernels and the scalar references are three implementations of that one definition,
 * so they agree to the bit; a (row, token) result never depends on the batch it is computed in.
 * The Vector API's own floating-point {@code reduceLanes} is never used: its order is
 * unspecified and differs between the interpreter and C2.
 *
 * <p>The width is the platform's preferred one capped at 512 bits, or the value of the system
 * property {@code jllm.simd.bits} (256 or 512; tests use it to run both code paths on one
 * machine; a width the CPU lacks counts as none). Below 256 bits {@link #BITS} is 0 and
 * {@link SimdKernels} is not offered.
 */
final class Simd {
    static final int BITS = chooseBits();
    static final boolean WIDE = BITS == 512;

    static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    /** Lane i takes lane i+8 (mod 16): the first level of {@link #tree16}, on a 512-bit vector. */
    static final VectorShuffle<Float> HALVES = VectorShuffle.iota(F512, 8, 1, true);
    /** Lanes 8-15 of a 512-bit float vector. */
    static final VectorMask<Float> UPPER8 = VectorMask.fromLong(F512, 0xFF00);
    /** Lanes 0-7 of a 512-bit float vector. */
    static final VectorMask<Float> LOWER8 = VectorMask.fromLong(F512, 0x00FF);
    /** Lane i takes lane i^4, i^2, i^1: the levels of {@link #tree8} done lane-wise on two 8-lane halves. */
    static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F512, i -> i ^ 4);
    static final VectorShuffle<Float> XOR2 = VectorShuffle.fromOp(F512, i -> i ^ 2);
    static final VectorShuffle<Float> XOR1 = VectorShuffle.fromOp(F512, i -> i ^ 1);

    static final VectorShuffle<Float> XOR4_256 = VectorShuffle.fromOp(F256, i -> i ^ 4);
    static final VectorShuffle<Float> XOR2_256 = VectorShuffle.fromOp(F256, i -> i ^ 2);
    static final VectorShuffle<Float> XOR1_256 = VectorShuffle.fromOp(F256, i -> i ^ 1);

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    private Simd() {
    }

    private static int chooseBits() {
        String forced = System.getProperty("jllm.simd.bits");
        int preferred = VectorShape.preferredShape().vectorBitSize();
        if (forced != null) {
            int bits = Integer.parseInt(forced.trim());
            if (bits != 256 && bits != 512) {
                throw new IllegalArgumentException("jllm.simd.bits must be 256 or 512, got " + forced);
            }
            // wider than the hardware: the Vector API would emulate it very slowly, so offer no SIMD
            return bits <= preferred ? bits : 0;
        }
        return preferred >= 512 ? 512 : preferred >= 256 ? 256 : 0;
    }

    /**
     * The canonical sum of 16 lanes: {@code h[i] = a[i] + a[i+8]}, {@code g[i] = h[i] + h[i+4]},
     * {@code (g0 + g2) + (g1 + g3)}. The kernels fold their vectors to 8 lanes the same way and
     * finish with {@link #tree8}.
     */
    static float tree16(float[] a, int off) {
        return tree8(a[off] + a[off + 8], a[off + 1] + a[off + 9], a[off + 2] + a[off + 10], a[off + 3] + a[off + 11],
                a[off + 4] + a[off + 12], a[off + 5] + a[off + 13], a[off + 6] + a[off + 14], a[off + 7] + a[off + 15]);
    }

    /** The last three levels of {@link #tree16}, on lanes already folded from 16 to 8. */
    static float tree8(float h0, float h1, float h2, float h3, float h4, float h5, float h6, float h7) {
        float g0 = h0 + h4;
        float g1 = h1 + h5;
        float g2 = h2 + h6;
        float g3 = h3 + h7;
        return (g0 + g2) + (g1 + g3);
    }

    /**
     * IEEE half bits, sign-extended into int lanes ({@code VectorOperators.S2I}), to floats exactly
     * as {@link Float#float16ToFloat} (the Vector API has no half-float conversion; NaN payloads are
     * kept as they are): exponent and mantissa shifted into float position and scaled by 2^112,
     * exact for normal and subnormal halves; the sign, thanks to the sign extension, one and-or (a
     * single ternary logic op); infinities and NaNs patched by a masked or on the scaled value
     * (whose exponent is then all ones and mantissa the half's). 7 vector ops against 10 for the
     * zero-extended form with a blend it replaced (prefill attention, one thread, 16-query tiles:
     * 18.6 ms against 19.7). Small enough that C2 inlines it into the kernels.
     */
    static FloatVector halfToFloat(IntVector bits) {
        IntVector magnitude = bits.and(0x7FFF);
        return magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .lanewise(VectorOperators.OR, 0x7F800000, magnitude.compare(VectorOperators.GE, 0x7C00))
                .or(bits.and(0x80000000)).reinterpretAsFloats();
    }
}
