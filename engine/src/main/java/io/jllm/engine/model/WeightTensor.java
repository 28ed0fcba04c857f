package io.jllm.engine.model;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix as the file stores it: {@code rows} rows of {@code cols} elements of {@code type},
 * each row {@link #rowBytes()} long, in a slice of the memory-mapped file (never copied).
 * A vector (norm weights) is one row.
 */
public record WeightTensor(String name, GgmlType type, int rows, int cols, MemorySegment data) {
    public WeightTensor {
        if (cols % type.blockSize() != 0) {
            throw new ModelFormatException(name + ": row length " + cols + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        long expected = (long) rows * rowBytes(type, cols);
        if (data.byteSize() != expected) {
            throw new ModelFormatException(name + ": " + data.byteSize() + " bytes of data, expected " + expected);
        }
    }

    public long rowBytes() {
        return rowBytes(type, cols);
    }

    /** Byte offset of row {@code r} in {@link #data()}. */
    public long rowOffset(int r) {
        return r * rowBytes();
    }

    static long rowBytes(GgmlType type, int cols) {
        return (long) (cols / type.blockSize()) * type.bytesPerBlock();
    }
}
