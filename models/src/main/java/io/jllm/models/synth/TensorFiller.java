package io.jllm.models.synth;

import io.jllm.gguf.quant.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates a tensor's random values and encodes them straight into its bytes in the output file, a
 * chunk of rows at a time per worker: a tensor never exists as a whole float array.
 *
 * <p>Chunks are handed out to the pool's workers from a shared counter. Every row has its own random
 * stream ({@link SeededStreams}), so the bytes are the same for any number of workers.
 */
final class TensorFiller {
    /** Floats generated per chunk: 256 KiB per worker, small enough to stay in L2. */
    static final int CHUNK_ELEMENTS = 1 << 16;

    private final ExecutorService pool;
    private final int workers;

    /** @param pool a fixed pool of platform threads, or null to generate on the calling thread */
    TensorFiller(ExecutorService pool, int workers) {
        this.pool = pool;
        this.workers = pool == null ? 1 : Math.max(1, workers);
    }

    void fill(PlannedTensor tensor, WeightScheme.Distribution dist, long seed, QuantCodec codec, MemorySegment dst) {
        if (codec.type() != tensor.type()) {
            throw new IllegalArgumentException(tensor.name() + ": codec for " + codec.type() + " given for a "
                    + tensor.type() + " tensor");
        }
        if (dst.byteSize() != tensor.byteSize()) {
            throw new IllegalArgumentException(tensor.name() + ": destination has " + dst.byteSize()
                    + " bytes, the tensor needs " + tensor.byteSize());
        }
        int rowLength = Math.toIntExact(tensor.rowLength());
        int rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / rowLength);
        long rows = tensor.rows();
        long chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        Job job = new Job(SeededStreams.tensorSeed(seed, tensor.name()), dist, codec, dst, rowLength, rowsPerChunk,
                rows, tensor.rowBytes(), chunks);
        int tasks = (int) Math.min(workers, chunks);
        if (tasks <= 1) {
            job.run();
            return;
        }
        List<Future<?>> running = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            running.add(pool.submit(job));
        }
        awaitAll(tensor.name(), running);
    }

    private static void awaitAll(String tensor, List<Future<?>> running) {
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = new IllegalStateException("generating " + tensor + " failed: " + e.getCause(), e.getCause());
                    running.forEach(other -> other.cancel(true));
                }
            } catch (InterruptedException e) {
                running.forEach(other -> other.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while generating " + tensor, e);
            } catch (java.util.concurrent.CancellationException e) {
                // cancelled because another worker failed; that failure is reported
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** One tensor's work; each worker runs it and takes chunks until none are left. */
    private record Job(long tensorSeed, WeightScheme.Distribution dist, QuantCodec codec, MemorySegment dst,
                       int rowLength, int rowsPerChunk, long rows, long rowBytes, long chunks,
                       AtomicLong nextChunk) implements Runnable {
        Job(long tensorSeed, WeightScheme.Distribution dist, QuantCodec codec, MemorySegment dst, int rowLength,
            int rowsPerChunk, long rows, long rowBytes, long chunks) {
            this(tensorSeed, dist, codec, dst, rowLength, rowsPerChunk, rows, rowBytes, chunks, new AtomicLong());
        }

        @Override
        public void run() {
            float[] values = new float[rowsPerChunk * rowLength];
            SeededStreams random = new SeededStreams();
            long chunk;
            while ((chunk = nextChunk.getAndIncrement()) < chunks) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                long firstRow = chunk * rowsPerChunk;
                int n = (int) Math.min(rowsPerChunk, rows - firstRow);
                for (int r = 0; r < n; r++) {
                    random.startRow(tensorSeed, firstRow + r);
                    sampleRow(random, values, r * rowLength);
                }
                codec.quantize(values, 0, dst, firstRow * rowBytes, n * rowLength);
            }
        }

        private void sampleRow(SeededStreams random, float[] values, int offset) {
            double mean = dist.mean();
            double std = dist.std();
            if (dist.randomSign()) {
                for (int i = 0; i < rowLength; i++) {
                    double v = mean + std * random.nextGaussian();
                    values[offset + i] = (float) (random.nextBoolean() ? v : -v);
                }
            } else {
                for (int i = 0; i < rowLength; i++) {
                    values[offset + i] = (float) (mean + std * random.nextGaussian());
                }
            }
        }
    }
}
