package io.jllm.engine.kv;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Zeroed memory whose pages become resident only when first written, so a KV cache sized for
 * many long sequences costs RAM only for the tokens actually cached (and is ready at once instead
 * of after zeroing gigabytes). {@code Arena.allocate} touches every page to zero it; a private
 * (copy-on-write) mapping of a sparse file does not: unwritten pages read as zeros, written ones
 * become private anonymous pages, and nothing is ever written back to the file, which is deleted
 * right after mapping. Falls back to {@code Arena.allocate} where the mapping is not possible.
 */
final class LazyZeroMemory {
    private LazyZeroMemory() {
    }

    static MemorySegment allocate(long bytes, Arena arena) {
        if (bytes <= 0) {
            return arena.allocate(Math.max(1, bytes), 64);
        }
        Path file = null;
        try {
            file = Files.createTempFile("jllm-kv-", ".zero");
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(bytes);
                MemorySegment segment = raf.getChannel().map(FileChannel.MapMode.PRIVATE, 0, bytes, arena);
                return segment;
            }
        } catch (IOException | UnsupportedOperationException | IllegalStateException e) {
            return arena.allocate(bytes, 64);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // A leftover empty sparse file in the temp folder costs nothing.
                }
            }
        }
    }
}
