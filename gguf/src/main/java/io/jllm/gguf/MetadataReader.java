package io.jllm.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;

/**
 * Reads the key/value section of a GGUF file, checking every count against the bytes left before
 * allocating for it, and validates {@code general.alignment} where it is read.
 *
 * <p>Rules follow ggml/src/gguf.cpp (llama.cpp): keys are non-empty and unique, arrays hold at most
 * 2^30 elements, {@code general.alignment} is a UINT32 power of two; a BOOL byte is true when non-zero.
 * Unlike gguf.cpp, arrays of arrays are read (the format allows them and gguf-py writes them), up to
 * {@link #MAX_NESTING} levels so that a file of nested array headers cannot overflow the stack.
 */
final class MetadataReader {
    static final String ALIGNMENT_KEY = "general.alignment";
    /** gguf.cpp's GGUF_MAX_ARRAY_ELEMENTS. */
    static final long MAX_ARRAY_ELEMENTS = 1L << 30;
    /** Deep enough for any real use, shallow enough for the thread stack. */
    static final int MAX_NESTING = 32;
    /** Largest alignment jLLM accepts: it is handed out as an int. */
    static final long MAX_ALIGNMENT = 1L << 30;


    private final GgufCursor in;
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    MetadataReader(GgufCursor in) {
        this.in = in;
    }

    /** The alignment the file declares, or the default; valid once {@link #read} returned. */
    int alignment() {
        return alignment;
    }

    /** Reads {@code count} key/value pairs (the caller has checked the count is plausible). */
    LinkedHashMap<String, GgufValue> read(long count) throws GgufFormatException {
        // Presize for real files (a few dozen keys), never for what a corrupt count claims.
        LinkedHashMap<String, GgufValue> values = new LinkedHashMap<>((int) Math.min(count, 256) * 2);
        for (long i = 0; i < count; i++) {
            long keyAt = in.position();
            String keyField = "metadata key #" + i;
            String key = in.string(keyField);
            if (key.isEmpty()) {
                throw in.error(keyField, keyAt, "empty key");
            }
            if (values.containsKey(key)) {
                throw in.error(keyField, keyAt, "duplicate key '" + key + "'");
            }
            String field = "metadata '" + key + "'";
            GgufValueType type = valueType(field + " type");
            long valueAt = in.position();
            GgufValue value = value(type, field, 0);
            if (key.equals(ALIGNMENT_KEY)) {
                alignment = checkAlignment(value, valueAt);
            }
            values.put(key, value);
        }
        return values;
    }

    private int checkAlignment(GgufValue value, long valueAt) throws GgufFormatException {
        String field = "metadata '" + ALIGNMENT_KEY + "'";
        if (value.type() != GgufValueType.UINT32) {
            throw in.error(field, valueAt, "must be of type UINT32, found " + value.type());
        }
        long a = (Long) value.value();
        if (a == 0 || (a & (a - 1)) != 0) {
            throw in.error(field, valueAt, "alignment " + a + " is not a power of two");
        }
        if (a > MAX_ALIGNMENT) {
            throw in.error(field, valueAt, "alignment " + a + " is larger than jLLM supports (" + MAX_ALIGNMENT + ")");
        }
        return (int) a;
    }

    private GgufValueType valueType(String field) throws GgufFormatException {
        long at = in.position();
        long id = in.u32(field);
        GgufValueType type = GgufValueType.byId(id);
        if (type == null) {
            throw in.error(field, at, "unknown value type id " + id + " (GGUF defines 0 to 12)");
        }
        return type;
    }

    private GgufValue value(GgufValueType type, String field, int depth) throws GgufFormatException {
        return switch (type) {
            case STRING -> new GgufValue(type, in.string(field));
            case ARRAY -> new GgufValue(type, array(field, depth + 1));
            case BOOL -> new GgufValue(type, in.u8(field) != 0);
            case FLOAT32 -> new GgufValue(type, Float.intBitsToFloat((int) in.integer(type, field)));
            case FLOAT64 -> new GgufValue(type, Double.longBitsToDouble(in.integer(type, field)));
            default -> new GgufValue(type, in.integer(type, field));
        };
    }

    private GgufArray array(String field, int depth) throws GgufFormatException {
        long typeAt = in.position();
        GgufValueType elementType = valueType(field + " element type");
        if (depth > MAX_NESTING) {
            throw in.error(field, typeAt, "arrays nested more than " + MAX_NESTING + " deep");
        }
        long countAt = in.position();
        String countField = field + " element count";
        long count = in.u64(countField);
        // Each element takes at least this many bytes, so the count can be checked against what is left.
        int minBytes = switch (elementType) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> elementType.fixedSize();
        };
        if (count < 0 || count > MAX_ARRAY_ELEMENTS) {
            throw in.error(countField, countAt, "array of " + Long.toUnsignedString(count) + " elements exceeds the limit of "
                    + MAX_ARRAY_ELEMENTS + " (as in llama.cpp)");
        }
        if (count > in.remaining() / minBytes) {
            throw in.error(countField, countAt, "array of " + count + " " + elementType + " elements needs at least "
                    + count * minBytes + " bytes but only " + in.remaining() + " are left in the file");
        }
        int n = (int) count;
        if (elementType == GgufValueType.ARRAY) {
            GgufArray[] arrays = new GgufArray[n];
            for (int i = 0; i < n; i++) {
                arrays[i] = array(field + "[" + i + "]", depth + 1);
            }
            return new GgufArray(elementType, arrays);
        }
        long start = in.position();
        if (elementType == GgufValueType.STRING) {
            in.skipStrings(n, field);
        } else {
            in.skip((long) n * minBytes);
        }
        return packed(elementType, n, field, start);
    }

    /** The elements from {@code start} to the position, copied undecoded for {@link PackedArray}. */
    private GgufArray packed(GgufValueType elementType, int n, String field, long start) throws GgufFormatException {
        long bytes = in.position() - start;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw in.error(field, start, "array of " + bytes + " bytes is larger than jLLM supports (2 GiB)");
        }
        byte[] packed = new byte[(int) bytes];
        MemorySegment.copy(in.segment(), ValueLayout.JAVA_BYTE, start, packed, 0, packed.length);
        return new GgufArray(elementType, new PackedArray(elementType, packed, n));
    }
}
