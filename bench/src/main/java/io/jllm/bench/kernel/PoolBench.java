package io.jllm.bench.kernel;

import io.jllm.engine.kernel.ComputePool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * The compute pool's cost per op with (almost) empty chunks: what hundreds of ops per generated
 * token pay for the hand-off alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PoolBench {
    @Param({"2"})
    public int threads;

    @Param({"2", "16", "64"})
    public int chunks;

    private ComputePool pool;
    private final AtomicLong sink = new AtomicLong();
    private final long[] perChunk = new long[1024];
    private ComputePool.Task task;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ComputePool(threads);
        task = (chunk, member) -> perChunk[chunk * 8] += member;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public long handOff() {
        pool.run(task, chunks);
        return sink.get();
    }
}
