package io.jllm.engine.kernel;

import io.jllm.gguf.GgmlType;

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
 * This is the scalar reference; the SIMD quantizer must produce identical bytes.
 */
public final class ActivationQuantizer {
    private ActivationQuantizer() {
    }

    /** Fills {@code out} from {@code x[0 .. tokens*cols)} in {@code format}. */
    public static void quantize(GgmlType format, float[] x, int tokens, int cols, Activations out) {
        out.describe(format, tokens, cols);
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
                continue;
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
