package io.jllm.engine.kernel;

import io.jllm.gguf.GgmlType;

/** The scalar reference kernels: obviously right, slow, and the oracle for the SIMD set. */
public final class ReferenceKernels implements KernelSet {
    public static final ReferenceKernels INSTANCE = new ReferenceKernels();

    private ReferenceKernels() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public MatMulKernel matmul(GgmlType type) {
        return switch (type) {
            case F32 -> FloatKernels.F32_REFERENCE;
            case F16 -> FloatKernels.F16_REFERENCE;
            case BF16 -> FloatKernels.BF16_REFERENCE;
            case Q8_0 -> Q8_0Kernel.REFERENCE;
            case Q4_0 -> Q4_0Kernel.REFERENCE;
            case Q4_K -> Q4KKernel.REFERENCE;
            case Q6_K -> Q6KKernel.REFERENCE;
            default -> throw new IllegalArgumentException("no kernel for weights of type " + type);
        };
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        ActivationQuantizer.quantize(KernelSet.activationFormat(weightType), x, tokens, cols, out);
    }
}
