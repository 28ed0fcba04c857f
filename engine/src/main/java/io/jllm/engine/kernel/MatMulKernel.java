package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;

/**
 * Matrix times a small batch of vectors for one weight type: {@code y[t*yStride + r] = W[r] · a[t]}
 * for rows {@code r0 <= r < r1} and every token {@code t} of the activations. Callers split rows
 * among compute threads; implementations must give each (row, token) the same result whatever the
 * row range and batch size, so a sequence computes the same logits alone or batched.
 */
@FunctionalInterface
public interface MatMulKernel {
    void matmul(WeightTensor w, int r0, int r1, Activations a, float[] y, int yStride);
}
