package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

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

    /** One row (at byte {@code row} of {@code w}) times token {@code token} of the activations. */
    @FunctionalInterface
    interface RowDot {
        float dot(MemorySegment w, long row, Activations a, int token, int cols);
    }

    /** A matmul that calls a scalar reference dot for every (row, token). */
    static MatMulKernel of(GgmlType activationFormat, RowDot dot) {
        return (WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) -> {
            a.require(activationFormat, w.cols());
            for (int t = 0; t < a.tokens(); t++) {
                for (int r = r0; r < r1; r++) {
                    y[t * stride + r] = dot.dot(w.data(), w.rowOffset(r), a, t, w.cols());
                }
            }
        };
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        ActivationQuantizer.quantize(KernelSet.activationFormat(weightType), x, tokens, cols, out);
    }
}
