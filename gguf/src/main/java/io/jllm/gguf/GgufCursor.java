package io.jllm.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A bounds-checked, little-endian reading position in a GGUF file's mapping.
 *
 * <p>Every read first checks the bytes it needs against what is left, so a truncated or lying file
 * ends in a {@link GgufFormatException} naming the field and offset, never an
 * IndexOutOfBoundsException. Small fields and strings are read from a heap window that is refilled
 * with one bulk {@link MemorySegment#copy} per 64 KiB: a model's metadata holds some 300k short
 * strings, and a segment access per byte (slow until the JIT has warmed up, which it has not when a
 * file is opened at startup) would dominate the open time.
 */
final class GgufCursor {
    private static final int WINDOW_BYTES = 64 * 1024;

    private final MemorySegment segment;
    private final long size;
    private final Path file;
    private final byte[] window;
    private final Utf8Decoder utf8 = new Utf8Decoder();
    private long windowStart;
    private int windowLength;
    private long position;

    GgufCursor(MemorySegment segment, Path file) {
        this.segment = segment;
        this.size = segment.byteSize();
        this.file = file;
        // Small files (tests, the fuzzer) need no 64 KiB buffer each.
        this.window = new byte[(int) Math.min(WINDOW_BYTES, Math.max(size, 8))];
    }

    long position() {
        return position;
    }

    long size() {
        return size;
    }

    long remaining() {
        return size - position;
    }

    MemorySegment segment() {
        return segment;
    }

    /** Moves to {@code offset} (at most the file size; callers check that before). */
    void seek(long offset) {
        position = offset;
    }

    /** Skips {@code n} bytes the caller has checked are there. */
    void skip(long n) {
        position += n;
    }

    private GgufFormatException truncated(String field, long needed) {
        String need = needed < 0 ? Long.toUnsignedString(needed) : Long.toString(needed);
        return error(field, position, "needs " + need + " bytes but the file ends at byte " + size
                + " (" + remaining() + " left): the file is truncated or the field is corrupt");
    }

    GgufFormatException error(String field, long offset, String problem) {
        return new GgufFormatException(file, field, offset, problem);
    }

    int u8(String field) throws GgufFormatException {
        int at = window(1, field);
        position += 1;
        return window[at] & 0xFF;
    }

    /** An unsigned 32-bit field, as a non-negative long. */
    long u32(String field) throws GgufFormatException {
        int at = window(4, field);
        position += 4;
        return int32At(at) & 0xFFFF_FFFFL;
    }

    /** A 64-bit field as the raw bits: callers decide whether it is signed or unsigned. */
    long u64(String field) throws GgufFormatException {
        int at = window(8, field);
        position += 8;
        return int64At(at);
    }

    /** A fixed-size scalar (1, 2, 4 or 8 bytes), sign- or zero-extended as its GGUF type says; floats as raw bits. */
    long integer(GgufValueType type, String field) throws GgufFormatException {
        int at = window(type.fixedSize(), field);
        position += type.fixedSize();
        return switch (type) {
            case UINT8 -> window[at] & 0xFF;
            case INT8 -> window[at];
            case UINT16 -> (window[at] & 0xFF) | (window[at + 1] & 0xFF) << 8;
            case INT16 -> (short) ((window[at] & 0xFF) | (window[at + 1] & 0xFF) << 8);
            case UINT32 -> int32At(at) & 0xFFFF_FFFFL;
            case INT32, FLOAT32 -> int32At(at);
            case UINT64, INT64, FLOAT64 -> int64At(at);
            default -> throw new IllegalArgumentException("not a fixed-size type: " + type);
        };
    }

    /**
     * A GGUF string: u64 byte length then that many bytes of UTF-8. Invalid UTF-8 is rejected rather
     * than replaced with U+FFFD, because a silently altered token or key would surface much later as a
     * wrong tokenization or a "missing key" that is hard to trace back to the file.
     */
    String string(String field) throws GgufFormatException {
        return string(field, -1);
    }

    /** As {@link #string(String)}; {@code index} (or -1) names the array element in errors without building a name per element. */
    String string(String field, long index) throws GgufFormatException {
        long lengthAt = position;
        long length = u64(field);
        if (length < 0 || length > size - position) {
            position = lengthAt;
            throw error(name(field, index), lengthAt, "string length " + Long.toUnsignedString(length)
                    + " exceeds the " + (size - lengthAt - 8) + " bytes left in the file");
        }
        if (length > Integer.MAX_VALUE - 8) {
            position = lengthAt;
            throw error(name(field, index), lengthAt, "string length " + length + " is larger than jLLM supports (2 GiB)");
        }
        int n = (int) length;
        String s;
        if (n <= window.length) {
            int at = window(n, field);
            s = utf8.decode(window, at, n);
        } else {
            byte[] bytes = new byte[n];
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, bytes, 0, n);
            s = utf8.decode(bytes, 0, n);
        }
        if (s == null) {
            throw error(name(field, index), lengthAt, "string of " + n + " bytes is not valid UTF-8");
        }
        position += n;
        return s;
    }

    /**
     * {@code n} strings in a row (a string array's elements), as {@link #string(String, long)} each.
     * A model's token and merge lists are most of its metadata, so the common case (length and bytes
     * already in the window, valid UTF-8) is one tight loop that the JIT compiles early as a whole.
     */
    String[] strings(int n, String field) throws GgufFormatException {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            // As a long first: after a bulk skip the position may be gigabytes past the window.
            long offset = position - windowStart;
            if (offset >= 0 && offset <= windowLength - 8) {
                int at = (int) offset;
                long length = int64At(at);
                if (length >= 0 && length <= windowLength - at - 8) {
                    String s = utf8.decode(window, at + 8, (int) length);
                    if (s != null) {
                        out[i] = s;
                        position += 8 + length;
                        continue;
                    }
                }
            }
            // Refills, long strings and every error take the careful path.
            out[i] = string(field, i);
        }
        return out;
    }

    static String name(String field, long index) {
        return index < 0 ? field : field + "[" + index + "]";
    }

    /** Makes {@code n <= window.length} bytes at the position available in the window; returns their index there. */
    private int window(int n, String field) throws GgufFormatException {
        if (n > size - position) {
            throw truncated(field, n);
        }
        long end = windowStart + windowLength;
        if (position < windowStart || position + n > end) {
            windowStart = position;
            windowLength = (int) Math.min(window.length, size - position);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, windowStart, window, 0, windowLength);
        }
        return (int) (position - windowStart);
    }

    private int int32At(int at) {
        return (window[at] & 0xFF) | (window[at + 1] & 0xFF) << 8 | (window[at + 2] & 0xFF) << 16
                | (window[at + 3] & 0xFF) << 24;
    }

    private long int64At(int at) {
        return (int32At(at) & 0xFFFF_FFFFL) | (long) int32At(at + 4) << 32;
    }
}
