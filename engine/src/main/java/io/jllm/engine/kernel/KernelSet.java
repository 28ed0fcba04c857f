package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.gguf.GgmlType;

/** The kernels one forward pass uses: the scalar reference set or the SIMD set. */
public interface KernelSet {
    String name();

    /**
     * Whether a forward pass with these kernels allocates nothing once the JIT has compiled them
     * (the SIMD set), so that a warm-up can tell compiled kernels by their silence; the reference
     * set allocates scratch per call and never goes quiet.
     */
    default boolean allocationFreeWhenCompiled() {
        return false;
    }

    /** The matmul kernel for weights of {@code type}. */
    MatMulKernel matmul(GgmlType type);

    /** Converts activations for weights of {@code weightType} (see {@link Activations}). */
    void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out);

    /**
     * {@link #quantize}, with {@code pool}'s threads where that pays (large batches). Called by one
     * thread at a time per pool, as {@link ComputePool#run} is.
     */
    default void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out, ComputePool pool) {
        quantize(weightType, x, tokens, cols, out);
    }

    /**
     * Attention of one token for the query heads of one KV head; see {@link Attention#reference}.
     * {@code scores} holds at least {@code pos + 1} floats; with {@code 2 * (pos + 1)} the SIMD
     * kernels attend for two query heads per pass over the cache.
     */
    default void attention(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group,
            int headDim, float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        Attention.reference(cache, layer, seq, pos, kvHead, group, headDim, scale, q, qOff, out, outOff, scores);
    }

    /**
     * Attention of {@code tokens} consecutive tokens of one sequence (positions {@code pos0 ..}; a
     * prefill chunk of any length, which the SIMD kernels cut into tiles),
     * token {@code t}'s queries at {@code qOff + t*qStride}, outputs at {@code outOff + t*outStride}:
     * the same results as {@link #attention} per token, which is what this default does. {@code
     * scores} holds at least {@link Attention#tileScratch} floats.
     */
    default void attentionTile(PagedKvCache cache, int layer, KvSequence seq, int pos0, int tokens, int kvHead,
            int group, int headDim, float scale, float[] q, int qOff, int qStride, float[] out, int outOff,
            int outStride, float[] scores) {
        for (int t = 0; t < tokens; t++) {
            attention(cache, layer, seq, pos0 + t, kvHead, group, headDim, scale, q, qOff + t * qStride, out,
                    outOff + t * outStride, scores);
        }
    }

    /** SwiGLU over elements {@code from .. to-1}: {@code gate = silu(gate) * up}; see {@link SwiGlu}. */
    default void swiglu(float[] gate, float[] up, int from, int to) {
        SwiGlu.reference(gate, up, from, to);
    }

    /**
     * How the cost of a matmul with weights of {@code type} grows with the batch: {@link
     * BatchGranularity#LINEAR} when every token costs the same, or the smallest batch a batched
     * (GEMM) path takes and the tile it pays for whole. The scheduler sizes prefill chunks by it.
     */
    default BatchGranularity batchGranularity(GgmlType type) {
        return BatchGranularity.LINEAR;
    }

    /** The activation format ggml pairs with weights of {@code type} (its {@code vec_dot_type}). */
    static GgmlType activationFormat(GgmlType type) {
        return switch (type) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0, Q4_0 -> GgmlType.Q8_0;
            case Q4_K, Q6_K -> GgmlType.Q8_K;
            default -> throw new IllegalArgumentException("no kernel for weights of type " + type);
        };
    }
}
