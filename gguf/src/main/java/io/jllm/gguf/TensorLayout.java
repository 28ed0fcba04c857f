package io.jllm.gguf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Checks that every tensor's data lies inside the file and that no two tensors share bytes: a file
 * that passes can be sliced without any further bounds checks.
 *
 * <p>gguf.cpp is stricter still (offsets must be exactly back to back in table order); jLLM accepts
 * any non-overlapping, aligned placement, since nothing it does depends on the order.
 */
final class TensorLayout {
    private TensorLayout() {
    }

    static void check(List<TensorEntry> entries, long dataOffset, long fileSize, Path file) throws GgufFormatException {
        long dataBytes = fileSize - dataOffset;
        for (TensorEntry e : entries) {
            GgufTensorInfo t = e.info();
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw new GgufFormatException(file, "tensor '" + t.name() + "' offset", e.offsetFieldAt(),
                        "data of " + t.byteSize() + " bytes at data offset " + t.offset() + " (file byte "
                                + (dataOffset + t.offset()) + ") runs past the end of the file (" + fileSize
                                + " bytes): the file is truncated or the offset is corrupt");
            }
        }
        TensorEntry[] byOffset = entries.toArray(TensorEntry[]::new);
        Arrays.sort(byOffset, Comparator.comparingLong(e -> e.info().offset()));
        for (int i = 1; i < byOffset.length; i++) {
            GgufTensorInfo prev = byOffset[i - 1].info();
            GgufTensorInfo cur = byOffset[i].info();
            // Both ranges are inside the file, so the sum cannot overflow.
            if (prev.offset() + prev.byteSize() > cur.offset()) {
                throw new GgufFormatException(file, "tensor '" + cur.name() + "' offset", byOffset[i].offsetFieldAt(),
                        "data at offset " + cur.offset() + " overlaps tensor '" + prev.name() + "' (offset " + prev.offset()
                                + ", " + prev.byteSize() + " bytes)");
            }
        }
    }
}
