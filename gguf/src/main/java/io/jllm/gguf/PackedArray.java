package io.jllm.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A metadata array's elements as they lie in the file, already checked when the file was opened
 * (bounds; for strings their lengths and strict UTF-8), converted to the primitive array
 * {@link GgufArray} documents on first use.
 *
 * <p>Why: a model's token list, token types and merges are some 450k elements, and turning them
 * into Strings and longs while the JVM still interprets the reader was most of the time to open a
 * file in a fresh JVM, although mapping a model for inference does not need them until the
 * tokenizer is built. The bytes are a heap copy (one bulk copy at open), not a view of the mapping,
 * so the metadata stays usable after the file is closed, as before. Thread-safe.
 */
final class PackedArray {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufValueType type;
    private final int count;
    /** The file's bytes of the elements; dropped once converted. */
    private byte[] packed;
    private Object elements;

    /**
     * @param type   any element type but ARRAY
     * @param packed exactly {@code count} elements of {@code type} in file layout, checked as the class comment says
     */
    PackedArray(GgufValueType type, byte[] packed, int count) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("arrays of arrays are not packed");
        }
        this.type = type;
        this.packed = packed;
        this.count = count;
    }

    GgufValueType type() {
        return type;
    }

    int count() {
        return count;
    }

    /** The elements as {@link GgufArray} stores them (the same array on every call). */
    synchronized Object elements() {
        if (elements == null) {
            elements = type == GgufValueType.STRING ? strings(packed, count) : fixed(type, packed, count);
            packed = null;
        }
        return elements;
    }

    private static String[] strings(byte[] packed, int count) {
        String[] out = new String[count];
        int at = 0;
        for (int i = 0; i < count; i++) {
            // Lengths were checked at open to fit in the array, so the low 32 bits are the length.
            int length = (packed[at] & 0xFF) | (packed[at + 1] & 0xFF) << 8 | (packed[at + 2] & 0xFF) << 16
                    | (packed[at + 3] & 0xFF) << 24;
            out[i] = new String(packed, at + 8, length, StandardCharsets.UTF_8);
            at += 8 + length;
        }
        return out;
    }

    /** Fixed-size elements, integers widened to longs as their type's signedness says. */
    private static Object fixed(GgufValueType type, byte[] packed, int n) {
        MemorySegment s = MemorySegment.ofArray(packed);
        return switch (type) {
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(s, F32, 0, a, 0, n);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(s, F64, 0, a, 0, n);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = packed[i] != 0;
                }
                yield a;
            }
            case UINT8, INT8 -> {
                long[] a = new long[n];
                boolean unsigned = type == GgufValueType.UINT8;
                for (int i = 0; i < n; i++) {
                    a[i] = unsigned ? packed[i] & 0xFF : packed[i];
                }
                yield a;
            }
            case UINT16, INT16 -> {
                short[] shorts = new short[n];
                MemorySegment.copy(s, I16, 0, shorts, 0, n);
                long[] a = new long[n];
                boolean unsigned = type == GgufValueType.UINT16;
                for (int i = 0; i < n; i++) {
                    a[i] = unsigned ? shorts[i] & 0xFFFF : shorts[i];
                }
                yield a;
            }
            case UINT32, INT32 -> {
                int[] ints = new int[n];
                MemorySegment.copy(s, I32, 0, ints, 0, n);
                long[] a = new long[n];
                boolean unsigned = type == GgufValueType.UINT32;
                for (int i = 0; i < n; i++) {
                    a[i] = unsigned ? ints[i] & 0xFFFF_FFFFL : ints[i];
                }
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                MemorySegment.copy(s, I64, 0, a, 0, n);
                yield a;
            }
            case STRING, ARRAY -> throw new IllegalArgumentException("not a fixed-size type: " + type);
        };
    }
}
