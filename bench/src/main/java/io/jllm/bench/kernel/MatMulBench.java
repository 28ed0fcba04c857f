package io.jllm.bench.kernel;

import io.jllm.gguf.GgmlType;
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
 * One weight matrix of Qwen3-0.6B times a batch of activations, on 1 or 2 threads. The defaults
 * are the types of a Q4_K_M file; pass {@code -p type=Q8_0,Q4_0,F16,BF16,F32} for the others,
 * {@code -p workingSetMB=0} for cache-hot weights.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class MatMulBench {
    @Param({"Q4_K", "Q6_K"})
    public String type;

    /** rows x cols: attn k/v, attn q, attn output, ffn gate/up, ffn down. */
    @Param({"1024x1024", "2048x1024", "1024x2048", "3072x1024", "1024x3072"})
    public String shape;

    @Param({"1", "8", "32", "512"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"simd"})
    public String kernels;

    /** Weight copies cycled so that this many MiB are touched; 0 keeps one (cache-hot) copy. */
    @Param({"256"})
    public int workingSetMB;

    private MatMulFixture fixture;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new MatMulFixture(GgmlType.valueOf(type), shape, batch, threads, kernels, workingSetMB);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public float[] matmul() {
        return fixture.run();
    }
}
