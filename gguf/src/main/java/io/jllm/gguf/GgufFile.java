package io.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An open, memory-mapped GGUF file (v2 or v3). API CONTRACT — implementation pending (gguf helper).
 *
 * <p>The whole file is mapped read-only with {@code FileChannel.map} into a shared {@code Arena};
 * tensor data is handed out as slices of that mapping and never copied. Closing the file closes the
 * arena: slices must not be used afterwards.
 */
public final class GgufFile implements AutoCloseable {
    /** Default and usual alignment of the data section and of each tensor's data. */
    public static final int DEFAULT_ALIGNMENT = 32;

    private GgufFile() {
    }

    /** Opens and validates the file; every problem is a {@link GgufFormatException}. */
    public static GgufFile open(Path path) throws IOException {
        throw new UnsupportedOperationException("pending");
    }

    public Path path() {
        throw new UnsupportedOperationException("pending");
    }

    /** GGUF version from the header (2 or 3). */
    public int version() {
        throw new UnsupportedOperationException("pending");
    }

    public GgufMetadata metadata() {
        throw new UnsupportedOperationException("pending");
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        throw new UnsupportedOperationException("pending");
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        throw new UnsupportedOperationException("pending");
    }

    /** The named tensor's info; an IllegalArgumentException naming the file and tensor if absent. */
    public GgufTensorInfo requireTensor(String name) {
        throw new UnsupportedOperationException("pending");
    }

    /** The tensor's bytes as a read-only slice of the mapping (no copy). */
    public MemorySegment data(GgufTensorInfo tensor) {
        throw new UnsupportedOperationException("pending");
    }

    /** {@code general.alignment} or {@link #DEFAULT_ALIGNMENT}. */
    public int alignment() {
        throw new UnsupportedOperationException("pending");
    }

    /** Absolute byte offset of the data section. */
    public long dataOffset() {
        throw new UnsupportedOperationException("pending");
    }

    public long fileSize() {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("pending");
    }
}
