package io.jllm.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF file that cannot be read as one: bad magic, unsupported version, truncation, absurd counts,
 * tensors out of bounds. The message names the file, the field and the byte offset, so a user can
 * tell a truncated download from a file of another format.
 */
public class GgufFormatException extends IOException {
    private final Path file;
    private final String field;
    private final long offset;

    public GgufFormatException(Path file, String field, long offset, String problem) {
        super(file + ": " + field + " at byte " + offset + ": " + problem);
        this.file = file;
        this.field = field;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    /** The header field, metadata key or tensor the problem was found in. */
    public String field() {
        return field;
    }

    /** Byte offset in the file where the bad field starts (or where reading ran out). */
    public long offset() {
        return offset;
    }
}
