package io.jllm.gguf;

import java.util.Arrays;

/**
 * One tensor's entry in the file's tensor table.
 *
 * @param name       tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type       its ggml type
 * @param shape      ggml order: {@code shape[0]} is the innermost (contiguous) dimension, i.e. the
 *                   row length of a matrix; {@code shape[1]} the number of rows
 * @param offset     byte offset of its data from the start of the data section
 * @param byteSize   bytes of its data
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {
    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Elements per row (the contiguous dimension). */
    public long rowLength() {
        return dim(0);
    }

    /** Rows: the product of every dimension but the first. */
    public long rows() {
        return elementCount() / Math.max(1, dim(0));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " B)";
    }
}
