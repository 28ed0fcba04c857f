package io.jllm.bench.kernel;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.ReferenceKernels;
import io.jllm.engine.kernel.SimdKernels;
import io.jllm.gguf.GgmlType;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Activation conversion before a matmul (Q8_K for K-quant weights), SIMD layouts included. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class QuantizeBench {
    /** The weight type whose activation format is produced. */
    @Param({"Q4_K", "Q8_0", "F16"})
    public String type;

    @Param({"1024", "3072"})
    public int cols;

    @Param({"1", "32", "512"})
    public int batch;

    @Param({"simd"})
    public String kernels;

    private KernelSet set;
    private float[] x;
    private Activations act;
    private GgmlType weightType;

    @Setup
    public void setUp() {
        set = "reference".equals(kernels) ? ReferenceKernels.INSTANCE : SimdKernels.INSTANCE;
        weightType = GgmlType.valueOf(type);
        SplittableRandom random = new SplittableRandom(3);
        x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        act = new Activations(batch * cols);
    }

    @Benchmark
    public Activations quantize() {
        set.quantize(weightType, x, batch, cols, act);
        return act;
    }
}
