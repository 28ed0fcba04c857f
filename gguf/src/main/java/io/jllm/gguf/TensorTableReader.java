package io.jllm.gguf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the tensor table: per tensor its name, dimensions, ggml type and data offset, each checked
 * on its own (the checks that need the whole table and the file size are in {@link TensorLayout}).
 *
 * <p>Rules follow ggml/src/gguf.cpp: unique names, at most GGML_MAX_DIMS (4) dimensions, an element
 * count that fits in int64, a known type, a row length that is a whole number of blocks, and an
 * offset that is a multiple of the alignment. Stricter than gguf.cpp, which also accepts 0
 * dimensions and zero-sized dimensions: jLLM has no use for empty tensors and treats them as
 * corruption.
 */
final class TensorTableReader {
    static final int MAX_DIMS = 4;
    /** Smallest possible entry: name length (8), n_dims (4), one dimension (8), type (4), offset (8). */
    static final int MIN_ENTRY_BYTES = 32;

    private final GgufCursor in;

    TensorTableReader(GgufCursor in) {
        this.in = in;
    }

    List<TensorEntry> read(long count, int alignment) throws GgufFormatException {
        List<TensorEntry> entries = new ArrayList<>((int) Math.min(count, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < count; i++) {
            entries.add(entry(i, alignment, names));
        }
        return entries;
    }

    private TensorEntry entry(long index, int alignment, Set<String> names) throws GgufFormatException {
        long entryAt = in.position();
        String nameField = "tensor #" + index + " name";
        String name = in.string(nameField);
        if (!names.add(name)) {
            throw in.error(nameField, entryAt, "duplicate tensor name '" + name + "'");
        }
        String field = "tensor '" + name + "'";

        long dimsAt = in.position();
        long nDims = in.u32(field + " n_dims");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw in.error(field + " n_dims", dimsAt, nDims + " dimensions; must be 1 to " + MAX_DIMS);
        }
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int j = 0; j < shape.length; j++) {
            long at = in.position();
            String dimField = field + " dimension " + j;
            long d = in.u64(dimField);
            if (d <= 0) {
                throw in.error(dimField, at, "size " + d + " (as signed 64-bit); must be at least 1");
            }
            if (elements > Long.MAX_VALUE / d) {
                throw in.error(dimField, at, "element count overflows 64 bits (shape so far "
                        + Arrays.toString(Arrays.copyOf(shape, j)) + ", then " + d + ")");
            }
            shape[j] = d;
            elements *= d;
        }

        long typeAt = in.position();
        long typeId = in.u32(field + " type");
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
            throw in.error(field + " type", typeAt, "unknown ggml type id " + typeId
                    + " (not one jLLM knows; the file may need a newer reader or be corrupt)");
        }
        if (shape[0] % type.blockSize() != 0) {
            throw in.error(field + " dimension 0", dimsAt + 4, "row length " + shape[0] + " is not a multiple of "
                    + type + "'s block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) {
            throw in.error(field + " type", typeAt, elements + " elements of " + type + " overflow a 64-bit byte size");
        }

        long offsetAt = in.position();
        long offset = in.u64(field + " offset");
        if (offset < 0) {
            throw in.error(field + " offset", offsetAt, "data offset " + Long.toUnsignedString(offset)
                    + " is beyond the end of any file");
        }
        if (offset % alignment != 0) {
            throw in.error(field + " offset", offsetAt, "data offset " + offset + " is not a multiple of the alignment "
                    + alignment);
        }
        return new TensorEntry(new GgufTensorInfo(name, type, shape, offset, byteSize), offsetAt);
    }
}
