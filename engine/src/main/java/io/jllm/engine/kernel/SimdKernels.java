package io.jllm.engine.kernel;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

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
    public boolean allocationFreeWhenCompiled() {
        return true;
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
    public BatchGranularity batchGranularity(GgmlType type) {
        if (type == GgmlType.Q8_0 || type == GgmlType.Q4_0) {
            return new BatchGranularity(Block32Gemm.minTokens(), Block32Gemm.TILE_TOKENS);
        }
        if (type != GgmlType.Q4_K && type != GgmlType.Q6_K) {
            return BatchGranularity.LINEAR;
        }
        int small = KQuantSmallBatch.minTokens();
        return small < KQuantGemm.minTokens()
                ? new BatchGranularity(KQuantGemm.minTokens(), KQuantGemm.TILE_TOKENS, small, KQuantSmallBatch.GROUP)
                : new BatchGranularity(KQuantGemm.minTokens(), KQuantGemm.TILE_TOKENS);
    }

    /**
     * The smallest K-quant batch that takes the small-batch kernel instead of running token by
     * token (default 4 at 512 bits, 5 at 256; {@code -Djllm.smallBatch.minTokens}); returns the
     * previous value. For benchmarks that compare both paths in one JVM: set it between forward
     * passes, never during one (the quantizer and the kernels must agree on it).
     */
    public static int smallBatchMinTokens(int tokens) {
        return KQuantSmallBatch.minTokens(tokens);
    }

    /**
     * The smallest Q8_0/Q4_0 batch that takes the batched path ({@link Block32Gemm}) instead of
     * running token by token ({@code -Djllm.gemm32.minTokens}); returns the previous value. As
     * {@link #smallBatchMinTokens}: for benchmarks, between forward passes.
     */
    public static int block32GemmMinTokens(int tokens) {
        return Block32Gemm.minTokens(tokens);
    }

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out) {
        ActivationQuantizer.quantizeSimd(KernelSet.activationFormat(weightType), x, tokens, cols, out);
    }

    private static final ThreadLocal<ActivationQuantizer.TiledBatch> TILED =
            ThreadLocal.withInitial(ActivationQuantizer.TiledBatch::new);

    @Override
    public void quantize(GgmlType weightType, float[] x, int tokens, int cols, Activations out, ComputePool pool) {
        GgmlType format = KernelSet.activationFormat(weightType);
        if (pool.size() > 1 && ActivationQuantizer.TiledBatch.suits(format, tokens)) {
            TILED.get().run(format, x, tokens, cols, out, pool);
        } else {
            quantize(weightType, x, tokens, cols, out);
        }
    }

    /**
     * Runs every kernel on small random data for about {@code millis} milliseconds, so that C2 has
     * compiled them before real work arrives: interpreted or C1-compiled Vector API code is a few
     * hundred times slower, and a fresh JVM would otherwise spend its first seconds of generation
     * there. Meant for engine start-up; allocates only here, never in the kernels.
     */
    public static void warmUp(long millis) {
        if (!supported()) {
            return;
        }
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16, GgmlType.BF16,
            GgmlType.F32};
        int rows = 4;
        int cols = 1024;
        int batch = KQuantGemm.MIN_TOKENS;
        try (Arena arena = Arena.ofConfined(); PagedKvCache cache = new PagedKvCache(1, 1, 128, 16, 2, KvType.F16)) {
            SplittableRandom random = new SplittableRandom(1);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            WeightTensor[] weights = new WeightTensor[types.length];
            for (int i = 0; i < types.length; i++) {
                weights[i] = RandomWeights.matrix(types[i], rows, cols, i, arena);
            }
            Activations one = new Activations(cols);
            Activations many = new Activations(batch * cols);
            float[] y = new float[batch * rows];
            KvSequence seq = new KvSequence(cache);
            seq.reserve(16);
            for (int p = 0; p < 16; p++) {
                cache.store(0, seq.slot(p), x, p * 128, x, 2048 + p * 128);
            }
            float[] out = new float[256];
            float[] scores = new float[32];
            long end = System.nanoTime() + millis * 1_000_000L;
            do {
                for (int i = 0; i < types.length; i++) {
                    MatMulKernel kernel = INSTANCE.matmul(types[i]);
                    INSTANCE.quantize(types[i], x, 1, cols, one);
                    kernel.matmul(weights[i], 0, rows, one, y, rows);
                    if (types[i] == GgmlType.Q8_0 || types[i] == GgmlType.Q4_0) {
                        int tokens = Math.min(batch, Math.max(Block32Gemm.minTokens(), Block32Gemm.TILE_TOKENS));
                        INSTANCE.quantize(types[i], x, tokens, cols, many);
                        kernel.matmul(weights[i], 0, rows, many, y, rows);
                    }
                    if (types[i] == GgmlType.Q4_K || types[i] == GgmlType.Q6_K) {
                        INSTANCE.quantize(types[i], x, batch, cols, many);
                        kernel.matmul(weights[i], 0, rows, many, y, rows);
                        // one decode token per running sequence: the small-batch kernel
                        INSTANCE.quantize(types[i], x, KQuantSmallBatch.GROUP, cols, many);
                        kernel.matmul(weights[i], 0, rows, many, y, rows);
                    }
                }
                INSTANCE.attention(cache, 0, seq, 15, 0, 2, 128, 0.1f, x, 0, out, 0, scores);
            } while (System.nanoTime() < end);
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int from, int to) {
        SwiGlu.simd(gate, up, from, to);
    }

    @Override
    public void attention(PagedKvCache cache, int layer, KvSequence seq, int pos, int kvHead, int group, int headDim,
            float scale, float[] q, int qOff, float[] out, int outOff, float[] scores) {
        Attention.simd(cache, layer, seq, pos, kvHead, group, headDim, scale, q, qOff, out, outOff, scores);
    }

    @Override
    public void attentionTile(PagedKvCache cache, int layer, KvSequence seq, int pos0, int tokens, int kvHead,
            int group, int headDim, float scale, float[] q, int qOff, int qStride, float[] out, int outOff,
            int outStride, float[] scores) {
        Attention.simdTile(cache, layer, seq, pos0, tokens, kvHead, group, headDim, scale, q, qOff, qStride, out,
                outOff, outStride, scores);
    }
}
