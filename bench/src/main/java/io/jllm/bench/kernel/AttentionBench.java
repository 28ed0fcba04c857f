package io.jllm.bench.kernel;

import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.ReferenceKernels;
import io.jllm.engine.kernel.SimdKernels;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One generated token's attention in one layer of Qwen3-0.6B (16 query heads over 8 KV heads of
 * 128), over a context of {@code context} cached positions, on one thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class AttentionBench {
    private static final int KV_HEADS = 8;
    private static final int GROUP = 2;
    private static final int HEAD_DIM = 128;

    @Param({"128", "1024", "4096"})
    public int context;

    @Param({"F16"})
    public String kvType;

    @Param({"simd"})
    public String kernels;

    private PagedKvCache cache;
    private KvSequence seq;
    private KernelSet set;
    private float[] q;
    private float[] out;
    private float[] scores;

    @Setup(Level.Trial)
    public void setUp() {
        set = "reference".equals(kernels) ? ReferenceKernels.INSTANCE : SimdKernels.INSTANCE;
        int kvDim = KV_HEADS * HEAD_DIM;
        cache = new PagedKvCache(1, KV_HEADS, HEAD_DIM, 16, context / 16 + 1, KvType.valueOf(kvType));
        seq = new KvSequence(cache);
        seq.reserve(context);
        SplittableRandom random = new SplittableRandom(5);
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < kvDim; i++) {
                k[i] = (float) random.nextGaussian();
                v[i] = (float) random.nextGaussian();
            }
            cache.store(0, seq.slot(p), k, 0, v, 0);
        }
        q = new float[KV_HEADS * GROUP * HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        out = new float[q.length];
        scores = new float[context];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cache.close();
    }

    @Benchmark
    public float[] attention() {
        float scale = (float) (1 / Math.sqrt(HEAD_DIM));
        for (int h = 0; h < KV_HEADS; h++) {
            set.attention(cache, 0, seq, context - 1, h, GROUP, HEAD_DIM, scale, q, 0, out, 0, scores);
        }
        return out;
    }
}
