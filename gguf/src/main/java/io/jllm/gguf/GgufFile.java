package io.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open, memory-mapped GGUF file (v2 or v3).
 *
 * <p>The whole file is mapped read-only with {@code FileChannel.map} into a shared {@code Arena};
 * tensor data is handed out as slices of that mapping and never copied. Closing the file closes the
 * arena: slices must not be used afterwards. Opening validates the whole structure (see
 * {@link #open}), so any tensor's slice is known to lie inside the file. Safe for concurrent readers.
 */
public final class GgufFile implements AutoCloseable {
    /** Default and usual alignment of the data section and of each tensor's data. */
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> byName;
    private final int alignment;
    private final long dataOffset;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GgufFile(Path path, Arena arena, MemorySegment segment, GgufParser.Parsed parsed) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = parsed.version();
        this.metadata = parsed.metadata();
        this.tensors = parsed.tensors();
        this.alignment = parsed.alignment();
        this.dataOffset = parsed.dataOffset();
        Map<String, GgufTensorInfo> names = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) {
            names.put(t.name(), t);
        }
        this.byName = names;
    }

    /**
     * Opens and validates the file; every problem with its contents is a {@link GgufFormatException}
     * naming the field and byte offset (truncation, bad magic or version, absurd counts or lengths,
     * invalid UTF-8, duplicate keys or tensor names, unknown types, bad shapes, misaligned, overlapping
     * or out-of-file tensor data). Other I/O problems (missing file, no permission) are plain
     * IOExceptions.
     */
    public static GgufFile open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        // A directory cannot be mapped, and opening a named pipe would block until someone writes to it.
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new IOException(path + ": not a regular file (a directory, device or pipe?), so not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, segment, GgufParser.parse(segment, path));
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /**
     * Parses a file already in memory (for tests and fuzzing: no file system round trip). Nothing is
     * copied; {@link #close} does not free {@code segment}.
     */
    static GgufFile parse(MemorySegment segment, Path nameForErrors) throws GgufFormatException {
        return new GgufFile(nameForErrors, null, segment, GgufParser.parse(segment, nameForErrors));
    }

    public Path path() {
        return path;
    }

    /** GGUF version from the header (2 or 3). */
    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The named tensor's info; an IllegalArgumentException naming the file and tensor if absent. */
    public GgufTensorInfo requireTensor(String name) {
        GgufTensorInfo t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has "
                    + tensors.size() + " tensors" + (tensors.isEmpty() ? "" : ", e.g. '" + tensors.getFirst().name() + "'")
                    + "); is this the right model file?");
        }
        return t;
    }

    /** The tensor's bytes as a read-only slice of the mapping (no copy); valid until {@link #close}. */
    public MemorySegment data(GgufTensorInfo tensor) {
        Objects.requireNonNull(tensor, "tensor");
        GgufTensorInfo own = byName.get(tensor.name());
        if (!tensor.equals(own)) {
            throw new IllegalArgumentException(path + ": tensor " + tensor + " is not from this file");
        }
        if (closed.get()) {
            throw new IllegalStateException(path + ": the file is closed");
        }
        return segment.asSlice(dataOffset + own.offset(), own.byteSize()).asReadOnly();
    }

    /** {@code general.alignment} or {@link #DEFAULT_ALIGNMENT}. */
    public int alignment() {
        return alignment;
    }

    /** Absolute byte offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return segment.byteSize();
    }

    /** Unmaps the file; idempotent. Slices from {@link #data} must not be used afterwards. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && arena != null) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.keys().size() + " keys, " + tensors.size()
                + " tensors]";
    }
}
