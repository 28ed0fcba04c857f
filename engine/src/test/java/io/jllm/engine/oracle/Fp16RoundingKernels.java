package io.jllm.engine.oracle;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.MatMulKernel;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Test-only: another kernel set with attention that rounds as llama.cpp does with an F16 KV cache
 * and flash attention off (ggml_mul_mat converts its F32 operand to the F16 keys' vec_dot_type):
 * queries are rounded to F16 before K·Q, and the softmax weights are rounded to F16 before they
 * weight V. It exists to show that these two roundings alone explain jLLM's difference from
 * llama.cpp under an F16 cache; jLLM itself keeps both in F32.
 */
final class Fp16RoundingKernels implements KernelSet {
    private final KernelSet base;

    Fp16RoundingKernels(KernelSet base) {
        this.base = base;
    }

    @Override
    public String name() {
        return base.name() + "+fp16-attention-rounding";
    }

    @Override
    public io.jllm.engine.kernel.BatchGranularity batchGranularity(GgmlType type) {
        return base.batchGranularity(type);
    }

    @Override
    public MatMulKernel matmul(GgmlType type) {
        return base.matmul(type);
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        base.quantize(weightType, x, tokens, cols, out);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int from, int to) {
        base.swiglu(gate, up, from, to);
    }

    @Override
    public void attention(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group, int headDim,
            float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                long base = seq.row(j, kvHead);
                float dot = 0f;
                for (int i = 0; i < headDim; i++) {
                    dot += f16(q[qh + i]) * cache.read(keys, base + i);
                }
                scores[j] = dot * scale;
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j <= pos; j++) {
                float e = io.jllm.engine.kernel.Exp.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            int oh = outOff + h * headDim;
            java.util.Arrays.fill(out, oh, oh + headDim, 0f);
            for (int j = 0; j <= pos; j++) {
                float p = f16(scores[j] * inv);
                long base = seq.row(j, kvHead);
                for (int i = 0; i < headDim; i++) {
                    out[oh + i] += p * cache.read(values, base + i);
                }
            }
        }
    }

    private static float f16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
