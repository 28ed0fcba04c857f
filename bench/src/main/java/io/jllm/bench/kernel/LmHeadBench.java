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
 * Qwen3-0.6B's LM head (the tied 151936 x 1024 embedding, Q6_K in a Q4_K_M file): a third of the
 * weights a generated token reads. Batches are the tokens that want logits (one per sequence).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class LmHeadBench {
    @Param({"Q6_K"})
    public String type;

    @Param({"151936x1024"})
    public String shape;

    @Param({"1", "8", "32"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"simd"})
    public String kernels;

    /** Two copies: more than the last-level cache holds. */
    @Param({"200"})
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
