package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.gguf.GgmlType;

/**
 * The Vector API kernels: bit-identical to {@link ReferenceKernels} (see {@link Simd} for why),
 * many times faster. Available where the CPU has vectors of at least 256 bits.
 */
public final class SimdKernels implements KernelSet {
    public static final SimdKernels INSTANCE = new SimdKernels();

    private SimdKernels() {
    }

    /** Whether this JVM and CPU can run these kernels (256-bit vectors or wider). */
    public static boolean supported() {
        return Simd.BITS >= 256;
    }

    /** The vector width in use, in bits (256 or 512). */
    public static int vectorBits() {
        return Simd.BITS;
    }

    @Override
    public String name() {
        return "simd-" + Simd.BITS;
    }

    @Override
    public MatMulKernel matmul(GgmlType type) {
        return switch (type) {
            case F32 -> FloatKernels.F32_SIMD;
            case F16 -> FloatKernels.F16_SIMD;
            case BF16 -> FloatKernels.BF16_SIMD;
            case Q8_0 -> Q8_0Kernel.SIMD;
            case Q4_0 -> Q4_0Kernel.SIMD;
            case Q4_K -> Q4KKernel.SIMD;
            case Q6_K -> Q6KKernel.SIMD;
            default -> throw new IllegalArgumentException("no kernel for weights of type " + type);
        };
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        ActivationQuantizer.quantizeSimd(KernelSet.activationFormat(weightType), x, tokens, cols, out);
    }

    @Override
    public void attention(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group, int headDim,
            float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        Attention.simd(cache, layer, seq, pos, kvHead, group, headDim, scale, q, qOff, out, outOff, scores);
    }
}
