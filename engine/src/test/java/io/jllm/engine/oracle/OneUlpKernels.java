package io.jllm.engine.oracle;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.MatMulKernel;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.gguf.GgmlType;

/**
 * Test-only: the given kernels with deliberate last-bit errors — every other output of every
 * matrix product moves up by one ulp, as a different float summation order would move it. How far
 * that moves the logits measures how sensitive a model is to rounding, which bounds how closely
 * two correct implementations can agree on it.
 */
final class OneUlpKernels implements KernelSet {
    private final KernelSet base;

    OneUlpKernels(KernelSet base) {
        this.base = base;
    }

    @Override
    public String name() {
        return base.name() + "+one-ulp";
    }

    @Override
    public io.jllm.engine.kernel.BatchGranularity batchGranularity(GgmlType type) {
        return base.batchGranularity(type);
    }

    @Override
    public MatMulKernel matmul(GgmlType type) {
        MatMulKernel kernel = base.matmul(type);
        return (w, r0, r1, a, y, stride) -> {
            kernel.matmul(w, r0, r1, a, y, stride);
            for (int t = 0; t < a.tokens(); t++) {
                for (int r = r0; r < r1; r++) {
                    if (((r + t) & 1) == 1) {
                        y[t * stride + r] = Math.nextUp(y[t * stride + r]);
                    }
                }
            }
        };
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        base.quantize(weightType, x, tokens, cols, out);
    }

    @Override
    public void attention(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group, int headDim,
            float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        base.attention(cache, layer, seq, pos, kvHead, group, headDim, scale, q, qOff, out, outOff, scores);
    }
}
