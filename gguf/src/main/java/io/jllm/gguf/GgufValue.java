package io.jllm.gguf;

import java.util.Objects;

/**
 * One metadata value with its GGUF type, so a file round-trips type for type.
 *
 * <p>Representation of {@link #value()}: every integer type is a {@link Long} holding the value
 * (UINT64 keeps its 64 bits, read it with {@link Long#toUnsignedString}); FLOAT32 a {@link Float};
 * FLOAT64 a {@link Double}; BOOL a {@link Boolean}; STRING a {@link String}; ARRAY a
 * {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + " value must be a " + expected.getSimpleName()
                    + ", got " + value.getClass().getSimpleName());
        }
        if (value instanceof Long l && !GgufArray.fits(type, l)) {
            throw new IllegalArgumentException(l + " does not fit in " + type);
        }
    }

    public static GgufValue of(GgufValueType integerType, long value) {
        return new GgufValue(integerType, value);
    }

    public static GgufValue uint32(long value) {
        return new GgufValue(GgufValueType.UINT32, value);
    }

    public static GgufValue int32(int value) {
        return new GgufValue(GgufValueType.INT32, (long) value);
    }

    public static GgufValue uint64(long value) {
        return new GgufValue(GgufValueType.UINT64, value);
    }

    public static GgufValue float32(float value) {
        return new GgufValue(GgufValueType.FLOAT32, value);
    }

    public static GgufValue float64(double value) {
        return new GgufValue(GgufValueType.FLOAT64, value);
    }

    public static GgufValue bool(boolean value) {
        return new GgufValue(GgufValueType.BOOL, value);
    }

    public static GgufValue string(String value) {
        return new GgufValue(GgufValueType.STRING, value);
    }

    public static GgufValue array(GgufArray value) {
        return new GgufValue(GgufValueType.ARRAY, value);
    }

    public boolean isInteger() {
        return value instanceof Long;
    }

    @Override
    public String toString() {
        return switch (type) {
            case UINT64 -> Long.toUnsignedString((Long) value);
            case STRING -> '"' + (String) value + '"';
            default -> String.valueOf(value);
        };
    }
}
