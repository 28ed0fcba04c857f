package io.jllm.bench.kernel;

import io.jllm.engine.kernel.Activations;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.MatMulKernel;
import io.jllm.engine.kernel.RandomWeights;
import io.jllm.engine.kernel.ReferenceKernels;
import io.jllm.engine.kernel.SimdKernels;
import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One matmul as the forward pass runs it: random weights (several copies when a working set
 * larger than the caches is asked for, so weights stream from memory as in token generation),
 * activations converted once, rows split into chunks on a {@link ComputePool} the way
 * {@code Qwen3Forward} splits them.
 */
final class MatMulFixture implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final WeightTensor[] copies;
    private final Activations act;
    private final float[] y;
    private final ComputePool pool;
    private final MatMulKernel kernel;
    private final int rows;
    private final int chunkRows;
    private final int chunks;
    private final ComputePool.Task task;
    private WeightTensor current;
    private int next;

    MatMulFixture(GgmlType type, String shape, int batch, int threads, String kernels, int workingSetMB) {
        String[] dims = shape.split("x");
        this.rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        KernelSet set = switch (kernels) {
            case "simd" -> SimdKernels.INSTANCE;
            case "reference" -> ReferenceKernels.INSTANCE;
            default -> throw new IllegalArgumentException("kernels must be simd or reference, got " + kernels);
        };
        WeightTensor first = RandomWeights.matrix(type, rows, cols, 42, arena);
        long bytes = first.data().byteSize();
        int n = workingSetMB <= 0 ? 1 : (int) Math.max(1, (workingSetMB * (1L << 20) + bytes - 1) / bytes);
        this.copies = new WeightTensor[n];
        copies[0] = first;
        for (int i = 1; i < n; i++) {
            MemorySegment copy = arena.allocate(bytes, 64);
            MemorySegment.copy(first.data(), 0, copy, 0, bytes);
            copies[i] = new WeightTensor(first.name(), type, rows, cols, copy);
        }
        this.act = new Activations(batch * cols);
        set.quantize(type, activations(batch * cols), batch, cols, act);
        this.y = new float[batch * rows];
        this.pool = new ComputePool(threads);
        this.kernel = set.matmul(type);
        // as Qwen3Forward's MatMulOp.plan: about 8 chunks per thread, 16..512 rows, multiple of 16
        int target = Math.max(1, rows / (threads * 8));
        this.chunkRows = Math.max(16, Math.min(512, (target + 15) / 16 * 16));
        this.chunks = (rows + chunkRows - 1) / chunkRows;
        this.task = (chunk, member) -> {
            int r0 = chunk * chunkRows;
            kernel.matmul(current, r0, Math.min(rows, r0 + chunkRows), act, y, rows);
        };
    }

    private static float[] activations(int n) {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** One matmul over every row, on the next weight copy. */
    float[] run() {
        current = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        pool.run(task, chunks);
        return y;
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }
}
