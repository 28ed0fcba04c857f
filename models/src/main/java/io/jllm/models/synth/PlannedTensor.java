package io.jllm.models.synth;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;

/**
 * One tensor a synthetic model will contain.
 *
 * @param name  GGUF tensor name
 * @param role  what it is
 * @param layer its layer, or -1 for model-wide tensors
 * @param shape ggml order, row length first
 * @param type  its ggml type in this file
 */
public record PlannedTensor(String name, TensorRole role, int layer, long[] shape, GgmlType type) {
    public PlannedTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long rowLength() {
        return shape[0];
    }

    public long rows() {
        return elementCount() / shape[0];
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes of one row in {@link #type()}. */
    public long rowBytes() {
        return type.byteSize(shape[0]);
    }

    public long byteSize() {
        return rowBytes() * rows();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlannedTensor t && name.equals(t.name) && role == t.role && layer == t.layer
                && Arrays.equals(shape, t.shape) && type == t.type;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + type.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
