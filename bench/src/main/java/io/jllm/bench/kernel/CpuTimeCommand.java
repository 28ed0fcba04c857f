package io.jllm.bench.kernel;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.MatMulKernel;
import io.jllm.engine.kernel.RandomWeights;
import io.jllm.engine.kernel.SimdKernels;
import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cputime}: one thread's matmul speed measured in that thread's CPU time, for a shared,
 * loaded machine where wall-clock JMH figures swing with other work. Each measurement is
 * bracketed by a fixed dependent-integer loop ("calibration cycles": 3 per iteration if it ran
 * one instruction per cycle), so the report gives kernel cost in calibration cycles per block,
 * which cancels most of what a busy host does to the clock, as well as GB/s of CPU time.
 */
@Command(name = "cputime", description = "Single-thread matmul cost in CPU time (robust on a loaded machine).")
public final class CpuTimeCommand implements Callable<Integer> {
    @Option(names = "--type", defaultValue = "Q4_K", description = "weight type (default ${DEFAULT-VALUE})")
    GgmlType type;

    @Option(names = "--shape", defaultValue = "3072x1024", description = "rows x cols (default ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--batch", defaultValue = "1", description = "tokens (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--rounds", defaultValue = "11",
            description = "measurements, median reported (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--compare-small-batch", description = "Alternate rounds between the batched paths for "
            + "small batches (the K-quant small-batch kernel; for Q8_0/Q4_0 their GEMM) and the token-by-token kernel "
            + "in this JVM (speed differs more between JVMs than between them); reports both and the median "
            + "per-round ratio.")
    boolean compareSmallBatch;

    private static long sink;

    private static long calibrate(long n) {
        long x = sink | 1;
        for (long i = 0; i < n; i++) {
            x = (x ^ (x >>> 7)) + i;
        }
        sink += x;
        return 3 * n;
    }

    @Override
    public Integer call() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.matrix(type, rows, cols, 1, arena);
            SplittableRandom random = new SplittableRandom(2);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            // sized as the engine sizes its buffers (most tokens per step x widest row), so they are
            // allocated as in a real run: under G1 the transposed activations get a region of their own
            Activations a = new Activations(Math.max(batch * cols, 512 * 3072));
            MatMulKernel kernel = SimdKernels.INSTANCE.matmul(type);
            float[] y = new float[batch * rows];
            // the engine's threshold, read by setting it: each measurement sets its own below
            int defaultMin = SimdKernels.smallBatchMinTokens(Integer.MAX_VALUE);
            int defaultGemm32 = SimdKernels.block32GemmMinTokens(Integer.MAX_VALUE);
            int variants = compareSmallBatch ? 2 : 1;
            long warm = System.nanoTime();
            while (System.nanoTime() - warm < 4_000_000_000L * variants) {
                for (int v = 0; v < variants; v++) {
                    SimdKernels.smallBatchMinTokens(v == 0 ? defaultMin : Integer.MAX_VALUE);
                    SimdKernels.block32GemmMinTokens(v == 0 ? defaultGemm32 : Integer.MAX_VALUE);
                    SimdKernels.INSTANCE.quantize(type, x, batch, cols, a);
                    for (int i = 0; i < 20; i++) {
                        kernel.matmul(w, 0, rows, a, y, rows);
                    }
                }
            }
            double blocks = (double) rows * (cols / type.blockSize()) * batch;
            double[][] cycles = new double[variants][rounds];
            double[] gbs = new double[rounds];
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < variants; v++) {
                    SimdKernels.smallBatchMinTokens(v == 0 ? defaultMin : Integer.MAX_VALUE);
                    SimdKernels.block32GemmMinTokens(v == 0 ? defaultGemm32 : Integer.MAX_VALUE);
                    SimdKernels.INSTANCE.quantize(type, x, batch, cols, a);
                    long c0 = threads.getCurrentThreadCpuTime();
                    long cal0 = calibrate(20_000_000L);
                    long c1 = threads.getCurrentThreadCpuTime();
                    int calls = 0;
                    while (threads.getCurrentThreadCpuTime() - c1 < 200_000_000L) {
                        kernel.matmul(w, 0, rows, a, y, rows);
                        calls++;
                    }
                    long c2 = threads.getCurrentThreadCpuTime();
                    long cal1 = calibrate(20_000_000L);
                    long c3 = threads.getCurrentThreadCpuTime();
                    double perNs = (cal0 + cal1) / (double) ((c1 - c0) + (c3 - c2));
                    double nsPerCall = (c2 - c1) / (double) calls;
                    cycles[v][r] = nsPerCall * perNs / blocks;
                    if (v == 0) {
                        gbs[r] = w.data().byteSize() / nsPerCall;
                    }
                }
                ratios[r] = compareSmallBatch ? cycles[1][r] / cycles[0][r] : Double.NaN;
            }
            SimdKernels.smallBatchMinTokens(defaultMin);
            SimdKernels.block32GemmMinTokens(defaultGemm32);
            Arrays.sort(gbs);
            Arrays.sort(ratios);
            for (int v = 0; v < variants; v++) {
                Arrays.sort(cycles[v]);
                System.out.println(JmhCommand.format("%s %s batch %d, %d-bit%s: %.1f calibration cycles per block and"
                        + " token (quartiles %.1f-%.1f)%s", type, shape, batch, SimdKernels.vectorBits(),
                        !compareSmallBatch ? "" : v == 0 ? ", default paths" : ", token by token",
                        cycles[v][rounds / 2], cycles[v][rounds / 4], cycles[v][3 * rounds / 4],
                        v == 0 ? JmhCommand.format(", %.2f GB/s of weights per CPU-second", gbs[rounds / 2]) : ""));
            }
            if (compareSmallBatch) {
                System.out.println(JmhCommand.format("token by token / default, median of per-round ratios: %.2fx",
                        ratios[rounds / 2]));
            }
        }
        return 0;
    }
}
