package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import java.lang.foreign.MemorySegment;

/**
 * Causal grouped-query attention of one token over its sequence's cached keys and values, for the
 * query heads that share one KV head. Softmax as ggml's soft_max: scores scaled, max subtracted,
 * exponentials summed in double, then multiplied by the float reciprocal of the sum.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * Scalar reference. Writes {@code out[outOff + h*headDim ..]} for query heads
     * {@code kvHead*group .. (kvHead+1)*group - 1}, attending to positions {@code 0..pos}.
     *
     * @param q       queries of this token, all heads, at {@code qOff}
     * @param scores  scratch of at least {@code pos + 1} floats
     */
    public static void reference(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group,
            int headDim, float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int kvDim = cache.kvDim();
        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
            int qh = qOff + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {
                long base = seq.slot(j) * kvDim + (long) kvHead * headDim;
                float dot = 0f;
                for (int i = 0; i < headDim; i++) {
                    dot += q[qh + i] * cache.read(keys, base + i);
                }
                float s = dot * scale;
                scores[j] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int j = 0; j <= pos; j++) {
                float e = (float) Math.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            int oh = outOff + h * headDim;
            for (int i = 0; i < headDim; i++) {
                out[oh + i] = 0f;
            }
            for (int j = 0; j <= pos; j++) {
                float p = scores[j] * inv;
                long base = seq.slot(j) * kvDim + (long) kvHead * headDim;
                for (int i = 0; i < headDim; i++) {
                    out[oh + i] += p * cache.read(values, base + i);
                }
            }
        }
    }
}
