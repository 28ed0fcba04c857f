package io.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a GGUF v3 file.
 *
 * <p>Usage: add metadata and tensor declarations (name, type, shape, and a {@link TensorData} that
 * will fill the bytes), then {@link #write}. Sizes are known from type and shape, so the header and
 * tensor table are written first and each tensor's bytes are produced straight into its aligned
 * place in the output file (a writable mapping of just that tensor): a 400 MB model never sits in
 * the heap.
 *
 * <p>The layout matches llama.cpp's writers (ggml/src/gguf.cpp, gguf-py's GGUFWriter): tensors in
 * declaration order, each at the next multiple of the alignment, the data section padded after the
 * last tensor too, and {@code general.alignment} (UINT32) present only when it is not 32. Inputs
 * that would make a file llama.cpp rejects are refused with an IllegalArgumentException when they
 * are added.
 */
public final class GgufWriter {
    /** ggml's GGML_MAX_NAME: a tensor name takes at most this many bytes including its C terminator. */
    static final int MAX_TENSOR_NAME_BYTES = 63;

    /**
     * Fills one tensor's bytes; {@code dst} is exactly the tensor's size, starts zeroed, and may be
     * filled from several threads (it is a mapping of the output file in a shared arena, valid only
     * until {@code fill} returns).
     */
    @FunctionalInterface
    public interface TensorData {
        void fill(MemorySegment dst) throws IOException;
    }

    /** Told after each tensor is written; for progress bars. */
    @FunctionalInterface
    public interface Progress {
        void tensorWritten(GgufTensorInfo tensor, int index, int count, long bytesDone, long bytesTotal);
    }

    private record Declared(String name, GgmlType type, long[] shape, long byteSize, TensorData data) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Declared> tensors = new LinkedHashMap<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter() {
    }

    /** Sets {@code general.alignment} too when it differs from 32. Must be a power of two. */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > MetadataReader.MAX_ALIGNMENT) {
            throw new IllegalArgumentException("alignment must be a power of two from 1 to "
                    + MetadataReader.MAX_ALIGNMENT + ", got " + alignment);
        }
        this.alignment = alignment;
        if (alignment == GgufFile.DEFAULT_ALIGNMENT) {
            metadata.remove(MetadataReader.ALIGNMENT_KEY);
        } else {
            metadata.put(MetadataReader.ALIGNMENT_KEY, GgufValue.uint32(alignment));
        }
        return this;
    }

    /**
     * Adds or replaces a key; insertion order is file order. {@code general.alignment} is routed to
     * {@link #alignment(int)} and must be a UINT32.
     */
    public GgufWriter put(String key, GgufValue value) {
        WritableValues.checkKey(key);
        WritableValues.checkValue(key, value);
        if (key.equals(MetadataReader.ALIGNMENT_KEY)) {
            if (value.type() != GgufValueType.UINT32) {
                throw new IllegalArgumentException(key + " must be a UINT32, got " + value.type());
            }
            long a = (Long) value.value();
            return alignment(a > Integer.MAX_VALUE ? -1 : (int) a);
        }
        metadata.put(key, value);
        return this;
    }

    /** Declares a tensor; {@code shape} is in ggml order (row length first). */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, TensorData data) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must be non-empty");
        }
        String what = "tensor '" + name + "'";
        WritableValues.checkString(name, what);
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException(what + ": name longer than " + MAX_TENSOR_NAME_BYTES
                    + " bytes, which llama.cpp cannot load (GGML_MAX_NAME)");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException(what + " is declared twice");
        }
        Objects.requireNonNull(type, what + ": type");
        Objects.requireNonNull(data, what + ": data");
        if (shape == null || shape.length < 1 || shape.length > TensorTableReader.MAX_DIMS) {
            throw new IllegalArgumentException(what + ": shape must have 1 to " + TensorTableReader.MAX_DIMS
                    + " dimensions, got " + (shape == null ? "null" : shape.length));
        }
        long[] dims = shape.clone();
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(what + ": every dimension must be positive, got "
                        + Arrays.toString(dims));
            }
            if (elements > Long.MAX_VALUE / d) {
                throw new IllegalArgumentException(what + ": element count of " + Arrays.toString(dims)
                        + " overflows 64 bits");
            }
            elements *= d;
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(what + ": row length " + dims[0] + " (shape[0]) is not a multiple of "
                    + type + "'s block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) {
            throw new IllegalArgumentException(what + ": size in bytes overflows 64 bits");
        }
        tensors.put(name, new Declared(name, type, dims, byteSize, data));
        return this;
    }

    public void write(Path out) throws IOException {
        write(out, null);
    }

    /** Writes to a temporary sibling and renames it into place, so a failed write leaves no half file. */
    public void write(Path out, Progress progress) throws IOException {
        Objects.requireNonNull(out, "out");
        List<GgufTensorInfo> infos = layout();
        Path target = out.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long dataOffset = writeHeader(channel, infos);
                writeTensors(channel, dataOffset, infos, progress);
                channel.force(true);
            }
            moveIntoPlace(temp, target);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    /** Each tensor at the next aligned offset after the previous one, in declaration order. */
    private List<GgufTensorInfo> layout() {
        List<GgufTensorInfo> infos = new ArrayList<>(tensors.size());
        long offset = 0;
        try {
            for (Declared d : tensors.values()) {
                infos.add(new GgufTensorInfo(d.name(), d.type(), d.shape(), offset, d.byteSize()));
                offset = align(Math.addExact(offset, d.byteSize()));
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the tensors' total size overflows 64 bits", e);
        }
        return infos;
    }

    private long writeHeader(FileChannel channel, List<GgufTensorInfo> infos) throws IOException {
        LittleEndianOutput out = new LittleEndianOutput(channel);
        GgufEncoder encoder = new GgufEncoder(out);
        encoder.header(GgufEncoder.VERSION, infos.size(), metadata.size());
        for (Map.Entry<String, GgufValue> kv : metadata.entrySet()) {
            encoder.keyValue(kv.getKey(), kv.getValue());
        }
        for (GgufTensorInfo t : infos) {
            encoder.tensorInfo(t.name(), t.type(), t.shape(), t.offset());
        }
        out.pad(alignment);
        out.flush();
        return out.position();
    }

    private void writeTensors(FileChannel channel, long dataOffset, List<GgufTensorInfo> infos, Progress progress)
            throws IOException {
        long dataEnd = infos.isEmpty() ? 0 : align(infos.getLast().offset() + infos.getLast().byteSize());
        long fileSize = Math.addExact(dataOffset, dataEnd);
        if (fileSize > dataOffset) {
            // Sets the file length once (padding after the last tensor included, as llama.cpp's
            // writers do); the bytes in between stay holes until their tensor is mapped and filled.
            channel.write(ByteBuffer.wrap(new byte[1]), fileSize - 1);
        }
        long total = 0;
        for (GgufTensorInfo t : infos) {
            total += t.byteSize();
        }
        long done = 0;
        List<Declared> declared = List.copyOf(tensors.values());
        for (int i = 0; i < infos.size(); i++) {
            GgufTensorInfo t = infos.get(i);
            // Shared, because TensorData may fill its segment from several threads.
            try (Arena arena = Arena.ofShared()) {
                MemorySegment dst = channel.map(FileChannel.MapMode.READ_WRITE, dataOffset + t.offset(), t.byteSize(), arena);
                declared.get(i).data().fill(dst);
                dst.force();
            }
            done += t.byteSize();
            if (progress != null) {
                progress.tensorWritten(t, i, infos.size(), done, total);
            }
        }
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private long align(long offset) {
        return Math.addExact(offset, alignment - 1) / alignment * alignment;
    }
}
