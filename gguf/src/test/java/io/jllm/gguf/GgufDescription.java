package io.jllm.gguf;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Renders a GGUF file's contents as lines in the format gguf_py_oracle.py prints, so what jLLM reads
 * or meant to write can be compared with what llama.cpp's gguf-py reads.
 */
final class GgufDescription {
    private static final HexFormat HEX = HexFormat.of();

    private final List<String> lines = new ArrayList<>();

    GgufDescription header(int version, int alignment, long dataOffset, boolean withDataOffset) {
        lines.add("version\t" + version);
        lines.add("alignment\t" + alignment);
        if (withDataOffset) {
            lines.add("data_offset\t" + dataOffset);
        }
        return this;
    }

    GgufDescription metadata(Map<String, GgufValue> values) {
        values.forEach((key, v) -> {
            if (v.value() instanceof GgufArray a) {
                lines.add("kv\t" + key + "\tARRAY:" + a.elementType() + "\t" + elements(a));
            } else {
                lines.add("kv\t" + key + "\t" + v.type() + "\t" + scalar(v.type(), v.value()));
            }
        });
        return this;
    }

    GgufDescription tensor(String name, GgmlType type, long[] shape, long offset, MemorySegment bytes) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(dims.isEmpty() ? "" : ",").append(d);
        }
        lines.add("tensor\t" + name + "\t" + type.id() + "\t" + dims + "\t" + offset + "\t" + bytes.byteSize() + "\t"
                + sha256(bytes));
        return this;
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    /** What jLLM read from a file. gguf.cpp and gguf-py disagree on the data offset of a file without tensors, so it is left out then. */
    static List<String> of(GgufFile f) {
        GgufDescription d = new GgufDescription()
                .header(f.version(), f.alignment(), f.dataOffset(), !f.tensors().isEmpty())
                .metadata(f.metadata().asMap());
        for (GgufTensorInfo t : f.tensors()) {
            d.tensor(t.name(), t.type(), t.shape(), t.offset(), f.data(t));
        }
        return d.lines();
    }

    private static String elements(GgufArray a) {
        StringBuilder sb = new StringBuilder();
        int n = a.length();
        for (int i = 0; i < n; i++) {
            Object element = switch (a.elements()) {
                case long[] v -> v[i];
                case float[] v -> v[i];
                case double[] v -> v[i];
                case boolean[] v -> v[i];
                case String[] v -> v[i];
                default -> throw new IllegalArgumentException("gguf-py flattens nested arrays; not comparable");
            };
            sb.append(i == 0 ? "" : ",").append(scalar(a.elementType(), element));
        }
        return sb.toString();
    }

    private static String scalar(GgufValueType type, Object v) {
        return switch (type) {
            case STRING -> HEX.formatHex(((String) v).getBytes(StandardCharsets.UTF_8));
            case FLOAT32 -> String.format("%08x", Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> String.format("%016x", Double.doubleToRawLongBits((Double) v));
            case BOOL -> (Boolean) v ? "1" : "0";
            case UINT64 -> Long.toUnsignedString((Long) v);
            default -> Long.toString((Long) v);
        };
    }

    private static String sha256(MemorySegment bytes) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes.asByteBuffer());
            return HEX.formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
