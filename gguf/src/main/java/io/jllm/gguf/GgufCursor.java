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
    /** Strings per {@link #skipInWindow} call; see there. */
    private static final int SKIP_BATCH = 64;

    private final MemorySegment segment;
    private final long size;
    private final Path file;
    private final byte[] window;
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
        int n = stringLength(field, index);
        String s;
        if (n <= window.length) {
            int at = window(n, field);
            s = Utf8Decoder.decode(window, at, n);
        } else {
            byte[] bytes = new byte[n];
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, bytes, 0, n);
            s = Utf8Decoder.decode(bytes, 0, n);
        }
        if (s == null) {
            throw notUtf8(field, index, lengthAt, n);
        }
        position += n;
        return s;
    }

    /**
     * Checks {@code n} strings in a row (a string array's elements) as {@link #string(String, long)}
     * would read them, and moves past them without decoding: {@link PackedArray} decodes later.
     */
    void skipStrings(int n, String field) throws GgufFormatException {
        int i = 0;
        while (i < n) {
            int done = skipInWindow(Math.min(n - i, SKIP_BATCH));
            i += done;
            if (done == 0) {
                // A refill, a long string, or an error: the careful path.
                skipString(field, i);
                i++;
            }
        }
    }

    /**
     * Skips up to {@code max} strings whose length and bytes are already in the window and are valid
     * UTF-8, stopping at the first that is not; returns how many. A model's token and merge lists are
     * most of its metadata and are read before the JIT has compiled anything, so this is one small
     * method called once per batch: called often enough to be compiled after a few thousand strings
     * (one long loop would run interpreted until on-stack replacement, after 60k), and the batch is
     * large enough that the interpreted caller's loop costs nothing.
     */
    private int skipInWindow(int max) {
        long offset = position - windowStart;
        // As a long first: after a bulk skip the position may be gigabytes past the window.
        if (offset < 0 || offset > windowLength) {
            return 0;
        }
        byte[] w = window;
        int end = windowLength;
        int at = (int) offset;
        int done = 0;
        while (done < max && at <= end - 8) {
            int length = (w[at] & 0xFF) | (w[at + 1] & 0xFF) << 8 | (w[at + 2] & 0xFF) << 16 | (w[at + 3] & 0xFF) << 24;
            int high = w[at + 4] | w[at + 5] | w[at + 6] | w[at + 7];
            if (high != 0 || length < 0 || length > end - at - 8 || !Utf8Decoder.isValid(w, at + 8, at + 8 + length)) {
                break;
            }
            at += 8 + length;
            done++;
        }
        position = windowStart + at;
        return done;
    }

    private void skipString(String field, long index) throws GgufFormatException {
        long lengthAt = position;
        int n = stringLength(field, index);
        boolean valid;
        if (n <= window.length) {
            int at = window(n, field);
            valid = Utf8Decoder.isValid(window, at, at + n);
        } else {
            byte[] bytes = new byte[n];
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, bytes, 0, n);
            valid = Utf8Decoder.isValid(bytes, 0, n);
        }
        if (!valid) {
            throw notUtf8(field, index, lengthAt, n);
        }
        position += n;
    }

    /** Reads a string's u64 length and checks its bytes are in the file and fit a Java array. */
    private int stringLength(String field, long index) throws GgufFormatException {
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
        return (int) length;
    }

    private GgufFormatException notUtf8(String field, long index, long lengthAt, int n) {
        return error(name(field, index), lengthAt, "string of " + n + " bytes is not valid UTF-8");
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
