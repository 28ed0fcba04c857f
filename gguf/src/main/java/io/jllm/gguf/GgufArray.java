package io.jllm.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * A metadata array: its element type and the elements in a primitive array.
 *
 * <p>Element storage by type: integer types in a {@code long[]} (UINT64 as raw bits), FLOAT32 in a
 * {@code float[]}, FLOAT64 in a {@code double[]}, BOOL in a {@code boolean[]}, STRING in a
 * {@code String[]}, and ARRAY (arrays of arrays) in a {@code GgufArray[]}.
 *
 * <p>An array read from a file holds its elements as the file's bytes ({@link PackedArray}, already
 * validated) until {@link #elements()} is first called, which then returns the array above;
 * {@link #length()}, {@link #elementType()} and {@link #toString()} do not convert.
 */
public record GgufArray(GgufValueType elementType, Object elements) {
    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(elements, "elements");
        Class<?> expected = switch (elementType) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
        boolean packed = elements instanceof PackedArray p && p.type() == elementType;
        if (!packed && !expected.isInstance(elements)) {
            throw new IllegalArgumentException(elementType + " array must be a " + expected.getSimpleName()
                    + ", got " + elements.getClass().getSimpleName());
        }
        // A PackedArray's integers fit by construction (widened from the file's width).
        if (elements instanceof long[] values) {
            for (long v : values) {
                if (!fits(elementType, v)) {
                    throw new IllegalArgumentException(v + " does not fit in " + elementType);
                }
            }
        }
    }

    public static GgufArray ofStrings(String... values) {
        return new GgufArray(GgufValueType.STRING, values.clone());
    }

    public static GgufArray ofInt32(int... values) {
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            longs[i] = values[i];
        }
        return new GgufArray(GgufValueType.INT32, longs);
    }

    public static GgufArray ofFloat32(float... values) {
        return new GgufArray(GgufValueType.FLOAT32, values.clone());
    }

    /** The elements, in the primitive array the class comment names (converting a file's bytes on first call). */
    @Override
    public Object elements() {
        return elements instanceof PackedArray p ? p.elements() : elements;
    }

    public int length() {
        return switch (elements) {
            case PackedArray p -> p.count();
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufArray[] a -> a.length;
            default -> throw new IllegalStateException();
        };
    }

    static boolean fits(GgufValueType type, long v) {
        return switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray a && elementType == a.elementType
                && Arrays.deepEquals(new Object[] {elements()}, new Object[] {a.elements()});
    }

    @Override
    public int hashCode() {
        return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {elements()});
    }

    @Override
    public String toString() {
        int n = length();
        return "[" + elementType + " x " + n + "]";
    }
}
