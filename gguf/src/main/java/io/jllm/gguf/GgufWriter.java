package io.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Writes a GGUF v3 file. API CONTRACT — implementation pending (gguf helper).
 *
 * <p>Usage: add metadata and tensor declarations (name, type, shape, and a {@link TensorData} that
 * will fill the bytes), then {@link #write}. Sizes are known from type and shape, so the header and
 * tensor table are written first and each tensor's bytes are produced straight into its aligned
 * place in the output file (a writable mapping of just that tensor): a 400 MB model never sits in
 * the heap.
 */
public final class GgufWriter {
    /** Fills one tensor's bytes; {@code dst} is exactly the tensor's size and may be filled from several threads. */
    @FunctionalInterface
    public interface TensorData {
        void fill(MemorySegment dst) throws IOException;
    }

    /** Told after each tensor is written; for progress bars. */
    @FunctionalInterface
    public interface Progress {
        void tensorWritten(GgufTensorInfo tensor, int index, int count, long bytesDone, long bytesTotal);
    }

    public GgufWriter() {
        throw new UnsupportedOperationException("pending");
    }

    /** Sets {@code general.alignment} too when it differs from 32. Must be a power of two. */
    public GgufWriter alignment(int alignment) {
        throw new UnsupportedOperationException("pending");
    }

    /** Adds or replaces a key; insertion order is file order. */
    public GgufWriter put(String key, GgufValue value) {
        throw new UnsupportedOperationException("pending");
    }

    /** Declares a tensor; {@code shape} is in ggml order (row length first). */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, TensorData data) {
        throw new UnsupportedOperationException("pending");
    }

    public void write(Path out) throws IOException {
        write(out, null);
    }

    /** Writes to a temporary sibling and renames it into place, so a failed write leaves no half file. */
    public void write(Path out, Progress progress) throws IOException {
        throw new UnsupportedOperationException("pending");
    }
}
