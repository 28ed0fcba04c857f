package io.jllm.gguf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the GGUF header, key/value pairs and tensor infos (the same layout {@link GgufParser}
 * reads, see there), in the order the caller gives them.
 */
final class GgufEncoder {
    static final int VERSION = 3;

    private final LittleEndianOutput out;

    GgufEncoder(LittleEndianOutput out) {
        this.out = out;
    }

    void header(int version, long tensorCount, long kvCount) throws IOException {
        out.bytes(new byte[] {'G', 'G', 'U', 'F'});
        out.u32(version);
        out.u64(tensorCount);
        out.u64(kvCount);
    }

    void keyValue(String key, GgufValue value) throws IOException {
        string(key);
        out.u32(value.type().id());
        value(value.type(), value.value());
    }

    void tensorInfo(String name, GgmlType type, long[] shape, long offset) throws IOException {
        string(name);
        out.u32(shape.length);
        for (long d : shape) {
            out.u64(d);
        }
        out.u32(type.id());
        out.u64(offset);
    }

    private void value(GgufValueType type, Object value) throws IOException {
        switch (type) {
            case STRING -> string((String) value);
            case ARRAY -> array((GgufArray) value);
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            // Raw bits, so NaN payloads survive a round trip.
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) value));
            default -> integer(type, (Long) value);
        }
    }

    private void array(GgufArray array) throws IOException {
        GgufValueType type = array.elementType();
        out.u32(type.id());
        out.u64(array.length());
        switch (array.elements()) {
            case long[] a -> {
                for (long v : a) {
                    integer(type, v);
                }
            }
            case float[] a -> {
                for (float v : a) {
                    out.u32(Float.floatToRawIntBits(v));
                }
            }
            case double[] a -> {
                for (double v : a) {
                    out.u64(Double.doubleToRawLongBits(v));
                }
            }
            case boolean[] a -> {
                for (boolean v : a) {
                    out.u8(v ? 1 : 0);
                }
            }
            case String[] a -> {
                for (String v : a) {
                    string(v);
                }
            }
            case GgufArray[] a -> {
                for (GgufArray v : a) {
                    array(v);
                }
            }
            default -> throw new IllegalStateException("GgufArray holds " + array.elements().getClass());
        }
    }

    private void integer(GgufValueType type, long v) throws IOException {
        switch (type.fixedSize()) {
            case 1 -> out.u8((int) v);
            case 2 -> out.u16((int) v);
            case 4 -> out.u32(v);
            default -> out.u64(v);
        }
    }

    private void string(String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.u64(utf8.length);
        out.bytes(utf8);
    }
}
