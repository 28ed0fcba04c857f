package io.jllm.engine.kernel;

import io.jllm.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Converts float activations into the format a weight type's dot product reads (see
 * {@link Activations}), exactly as llama.cpp's CPU backend does on x86, so that integer dot
 * products see the same quants llama.cpp sees:
 * <ul>
 *   <li>Q8_0: ggml's AVX2 {@code quantize_row_q8_0} (ggml-cpu/arch/x86/quants.c): scale
 *       {@code max|x|/127} stored through fp16, multiplier {@code 127/max|x|}, round half to even.
 *       (The portable {@code _ref} variant differs: {@code 1/d} and round half away from zero.)</li>
 *   <li>Q8_K: {@code quantize_row_q8_K_ref} (x86 uses it too): scale from the signed value of
 *       largest magnitude, {@code -127/max}, round half to even, clamp at 127, per-16 sums.</li>
 *   <li>F16 and BF16: round to nearest even, as F16C and ggml's {@code fp32_to_bf16} do.</li>
 * </ul>
 * {@link #quantize} is the scalar reference; {@link #quantizeSimd} produces identical bytes with
 * the Vector API (rounding half to even by adding and subtracting 1.5*2^23, exact for the
 * |values| <= 127 it is used on) and also fills the SIMD kernels' layouts (see {@link Activations}).
 */
public final class ActivationQuantizer {
    private ActivationQuantizer() {
    }

    /** Fills {@code out} from {@code x[0 .. tokens*cols)} in {@code format}. */
    public static void quantize(GgmlType format, float[] x, int tokens, int cols, Activations out) {
        out.describe(format, tokens, cols, false);
        switch (format) {
            case F32 -> out.f32 = x;
            case F16 -> {
                for (int i = 0, n = tokens * cols; i < n; i++) {
                    out.half[i] = Float.floatToFloat16(x[i]);
                }
            }
            case BF16 -> {
                for (int i = 0, n = tokens * cols; i < n; i++) {
                    out.half[i] = toBf16(x[i]);
                }
            }
            case Q8_0 -> quantizeQ8_0(x, tokens * cols, out);
            case Q8_K -> quantizeQ8K(x, tokens * cols, out);
            default -> throw new IllegalArgumentException("no activation format " + format);
        }
    }

    static void quantizeQ8_0(float[] x, int n, Activations out) {
        for (int b = 0; b < n / 32; b++) {
            int base = b * 32;
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127f;
            out.scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < 32; j++) {
                out.qs[base + j] = (byte) Math.rint(x[base + j] * id);
            }
        }
    }

    static void quantizeQ8K(float[] x, int n, Activations out) {
        for (int b = 0; b < n / 256; b++) {
            quantizeQ8KBlock(x, b, out);
        }
    }

    /** Round-to-nearest-even of |v| <= 2^22 by float addition (there is no vector rint). */
    private static final float RINT_MAGIC = 12582912f;

    /** As {@link #quantize}, vectorized, plus the SIMD layouts the {@link SimdKernels} read. */
    public static void quantizeSimd(GgmlType format, float[] x, int tokens, int cols, Activations out) {
        out.describe(format, tokens, cols, true);
        int n = tokens * cols;
        switch (format) {
            case F32 -> out.f32 = x;
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.half[i] = Float.floatToFloat16(x[i]);
                }
                for (int i = 0; i < n; i++) {
                    out.rounded[i] = Float.float16ToFloat(out.half[i]);
                }
            }
            case BF16 -> bf16Simd(x, n, out);
            case Q8_0 -> {
                if (Block32RowGemm.suits(tokens)) {
                    quantizeQ8_0Tiles(x, tokens, cols, out, 0, Block32RowGemm.tiles(tokens));
                    return;
                }
                for (int b = 0; b < n / 32; b++) {
                    quantizeQ8_0Block(x, b, out);
                }
                if (Block32Gemm.suits(tokens)) {
                    Block32Gemm.layoutActivations(out, tokens, cols);
                } else {
                    Q8_0Kernel.layoutActivations(out, 0, n / 32);
                    Q4_0Kernel.layoutActivations(out, 0, n / 32);
                }
            }
            case Q8_K -> {
                if (KQuantRowGemm.suits(tokens)) {
                    quantizeQ8KTiles(x, tokens, cols, out, 0, KQuantRowGemm.tiles(tokens));
                    return;
                }
                for (int b = 0; b < n / 256; b++) {
                    quantizeQ8KBlockSimd(x, b, out);
                }
                // the integer kernels' layouts for single tokens, the small-batch kernel's for a few
                // tokens, the GEMM's for large batches
                boolean gemm = KQuantGemm.suits(tokens);
                boolean small = KQuantSmallBatch.suits(tokens);
                // a small batch's last 1-2 tokens may go token by token (KQuantSmallBatch.matvecTail)
                int tail = small ? KQuantSmallBatch.matvecTail(tokens) : 0;
                int tailBlock = (tokens - tail) * cols / 256;
                Q4KKernel.layoutActivations(out, 0, tailBlock, !gemm && !small);
                Q4KKernel.layoutActivations(out, tailBlock, n / 256 - tailBlock, true);
                Q6KKernel.layoutActivations(out, tailBlock, n / 256 - tailBlock);
                if (gemm) {
                    KQuantGemm.layoutActivations(out, tokens, cols);
                } else if (small) {
                    KQuantSmallBatch.layoutActivations(out, tokens - tail, cols);
                } else {
                    Q6KKernel.layoutActivations(out, 0, n / 256);
                }
            }
            default -> throw new IllegalArgumentException("no activation format " + format);
        }
    }

    /**
     * Q8_K conversion of the tokens of row-GEMM tiles {@code g0 .. g1-1} ({@link KQuantRowGemm}):
     * their quants, scales and sums and that kernel's layout. Everything a tile needs comes from its
     * own tokens, so threads can take tiles apart. {@link Activations#describe} is the caller's.
     */
    static void quantizeQ8KTiles(float[] x, int tokens, int cols, Activations out, int g0, int g1) {
        int t0 = g0 * KQuantRowGemm.TT;
        int t1 = Math.min(tokens, g1 * KQuantRowGemm.TT);
        if (t0 >= t1) {
            return;
        }
        int b0 = t0 * cols / 256;
        int b1 = t1 * cols / 256;
        for (int b = b0; b < b1; b++) {
            quantizeQ8KBlockSimd(x, b, out);
        }
        Q4KKernel.layoutActivations(out, b0, b1 - b0, false);
        KQuantRowGemm.layoutActivations(out, tokens, cols, g0, g1);
    }

    /**
     * Q8_0 conversion of the tokens of {@link Block32RowGemm}'s tiles {@code g0 .. g1-1}: their
     * quants and scales and that kernel's layout, as {@link #quantizeQ8KTiles} does for Q8_K.
     */
    static void quantizeQ8_0Tiles(float[] x, int tokens, int cols, Activations out, int g0, int g1) {
        int t0 = g0 * Block32RowGemm.TT;
        int t1 = Math.min(tokens, g1 * Block32RowGemm.TT);
        if (t0 >= t1) {
            return;
        }
        for (int b = t0 * cols / 32; b < t1 * cols / 32; b++) {
            quantizeQ8_0Block(x, b, out);
        }
        Block32RowGemm.layoutActivations(out, tokens, cols, g0, g1);
    }

    /**
     * {@link #quantizeSimd} of a batch that a row GEMM takes (Q8_K for {@link KQuantRowGemm}, Q8_0
     * for {@link Block32RowGemm}), split over a compute pool by token tiles: on the forward pass's
     * thread alone it took 6 % of a 512-token Q4_K_M pass (7 % of a Q8_0 one) while the other
     * threads waited. One per dispatching thread, reused: the pool's tasks are not allocated per op.
     */
    static final class TiledBatch implements ComputePool.Task {
        private float[] x;
        private int tokens;
        private int cols;
        private Activations out;
        private boolean q8k;
        private int tiles;
        private int parts;

        /** Whether a batch of {@code tokens} in {@code format} takes this path. */
        static boolean suits(GgmlType format, int tokens) {
            return format == GgmlType.Q8_K ? KQuantRowGemm.suits(tokens)
                    : format == GgmlType.Q8_0 && Block32RowGemm.suits(tokens);
        }

        void run(GgmlType format, float[] x, int tokens, int cols, Activations out, ComputePool pool) {
            out.describe(format, tokens, cols, true);
            this.x = x;
            this.tokens = tokens;
            this.cols = cols;
            this.out = out;
            this.q8k = format == GgmlType.Q8_K;
            this.tiles = q8k ? KQuantRowGemm.tiles(tokens) : Block32RowGemm.tiles(tokens);
            // a few parts per thread, so that one descheduled thread leaves little behind
            this.parts = Math.min(tiles, 4 * pool.size());
            try {
                pool.run(this, parts);
            } finally {
                this.x = null;
                this.out = null;
            }
        }

        @Override
        public void run(int chunk, int member) {
            int g0 = (int) ((long) tiles * chunk / parts);
            int g1 = (int) ((long) tiles * (chunk + 1) / parts);
            if (q8k) {
                quantizeQ8KTiles(x, tokens, cols, out, g0, g1);
            } else {
                quantizeQ8_0Tiles(x, tokens, cols, out, g0, g1);
            }
        }
    }

    private static VectorSpecies<Float> floatSpecies() {
        return Simd.WIDE ? Simd.F512 : Simd.F256;
    }

    private static void quantizeQ8_0Block(float[] x, int b, Activations out) {
        VectorSpecies<Float> f = floatSpecies();
        int base = b * 32;
        FloatVector vmax = FloatVector.zero(f);
        for (int j = 0; j < 32; j += f.length()) {
            vmax = vmax.max(FloatVector.fromArray(f, x, base + j).abs());
        }
        float amax = vmax.reduceLanes(VectorOperators.MAX);
        float d = amax / 127f;
        out.scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
        float id = amax != 0f ? 127f / amax : 0f;
        for (int j = 0; j < 32; j += f.length()) {
            FloatVector v = FloatVector.fromArray(f, x, base + j).mul(id).add(RINT_MAGIC).sub(RINT_MAGIC);
            storeBytes(v.convert(VectorOperators.F2I, 0).reinterpretAsInts(), out.qs, base + j);
        }
    }

    private static void quantizeQ8KBlockSimd(float[] x, int b, Activations out) {
        VectorSpecies<Float> f = floatSpecies();
        int base = b * 256;
        FloatVector vmax = FloatVector.zero(f);
        for (int j = 0; j < 256; j += f.length()) {
            vmax = vmax.max(FloatVector.fromArray(f, x, base + j).abs());
        }
        float amax = vmax.reduceLanes(VectorOperators.MAX);
        if (amax == 0f || Float.isNaN(amax)) {
            // zeros, or a NaN the reference's "ax > amax" skips over: the scalar code says what to do
            quantizeQ8KBlock(x, b, out);
            return;
        }
        float max = 0f;
        for (int j = 0; j < 256; j += f.length()) {
            FloatVector v = FloatVector.fromArray(f, x, base + j);
            VectorMask<Float> hit = v.abs().eq(amax);
            if (hit.anyTrue()) {
                max = x[base + j + hit.firstTrue()];
                break;
            }
        }
        float iscale = -127f / max;
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 16 * g; j < 16 * g + 16; j += f.length()) {
                FloatVector v = FloatVector.fromArray(f, x, base + j).mul(iscale).add(RINT_MAGIC).sub(RINT_MAGIC);
                IntVector q = ((IntVector) v.convert(VectorOperators.F2I, 0)).min(127);
                sum += q.reduceLanes(VectorOperators.ADD);
                storeBytes(q, out.qs, base + j);
            }
            out.bsums[b * 16 + g] = (short) sum;
        }
        out.scales[b] = 1f / iscale;
    }

    private static void storeBytes(IntVector q, byte[] qs, int at) {
        ((ByteVector) q.convertShape(VectorOperators.I2B, Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64,
                0))
                .intoArray(qs, at);
    }

    /** Block b of {@code quantize_row_q8_K_ref}. */
    private static void quantizeQ8KBlock(float[] x, int b, Activations out) {
        int base = b * 256;
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[base + j]);
            if (ax > amax) {
                amax = ax;
                max = x[base + j];
            }
        }
        if (amax == 0f) {
            out.scales[b] = 0f;
            java.util.Arrays.fill(out.qs, base, base + 256, (byte) 0);
            java.util.Arrays.fill(out.bsums, b * 16, b * 16 + 16, (short) 0);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) {
            int v = (int) Math.rint(iscale * x[base + j]);
            out.qs[base + j] = (byte) Math.min(127, v);
        }
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                sum += out.qs[base + g * 16 + j];
            }
            out.bsums[b * 16 + g] = (short) sum;
        }
        out.scales[b] = 1f / iscale;
    }

    private static void bf16Simd(float[] x, int n, Activations out) {
        VectorSpecies<Float> f = floatSpecies();
        int i = 0;
        for (; i <= n - f.length(); i += f.length()) {
            IntVector u = FloatVector.fromArray(f, x, i).reinterpretAsInts();
            VectorMask<Integer> nan = u.and(0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
            IntVector rounded = u.add(u.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7fff))
                    .lanewise(VectorOperators.LSHR, 16)
                    .blend(u.lanewise(VectorOperators.LSHR, 16).or(64), nan);
            ((jdk.incubator.vector.ShortVector) rounded.convertShape(VectorOperators.I2S,
                    Simd.WIDE ? Simd.S256 : Simd.S128, 0)).intoArray(out.half, i);
            rounded.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out.rounded, i);
        }
        for (; i < n; i++) {
            out.half[i] = toBf16(x[i]);
            out.rounded[i] = fromBf16(out.half[i]);
        }
    }

    /** fp32 to bf16 bits, round to nearest even, NaN kept quiet (ggml_compute_fp32_to_bf16). */
    static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }
}
