package io.jllm.models.cli;

import io.jllm.gguf.GgufArray;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;

/**
 * Renders metadata values for {@code inspect}: in full, or summarised (long strings cut, arrays as
 * their type, length and first elements) so a 151,936-token vocabulary fits on one line.
 */
final class MetadataFormat {
    static final int SUMMARY_STRING_CHARS = 72;
    static final int SUMMARY_ARRAY_ELEMENTS = 8;
    private static final int ELEMENT_STRING_CHARS = 24;

    private MetadataFormat() {
    }

    /** "UINT32", "STRING", or "[STRING]" for an array of strings. */
    static String typeName(GgufValue v) {
        return v.value() instanceof GgufArray a ? "[" + a.elementType() + "]" : v.type().toString();
    }

    static String value(GgufValue v, boolean full) {
        return switch (v.value()) {
            case String s -> quote(s, full ? Integer.MAX_VALUE : SUMMARY_STRING_CHARS);
            case GgufArray a -> array(a, full);
            case Long l when v.type() == GgufValueType.UINT64 -> Long.toUnsignedString(l);
            default -> String.valueOf(v.value());
        };
    }

    private static String array(GgufArray a, boolean full) {
        int n = a.length();
        int shown = full ? n : Math.min(n, SUMMARY_ARRAY_ELEMENTS);
        StringBuilder s = new StringBuilder();
        if (!full) {
            s.append(String.format("(%,d) ", n));
        }
        s.append('[');
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(element(a, i, full));
        }
        if (shown < n) {
            s.append(", ...");
        }
        return s.append(']').toString();
    }

    private static String element(GgufArray a, int i, boolean full) {
        return switch (a.elements()) {
            case String[] x -> quote(x[i], full ? Integer.MAX_VALUE : ELEMENT_STRING_CHARS);
            case long[] x -> a.elementType() == GgufValueType.UINT64 ? Long.toUnsignedString(x[i]) : Long.toString(x[i]);
            case float[] x -> Float.toString(x[i]);
            case double[] x -> Double.toString(x[i]);
            case boolean[] x -> Boolean.toString(x[i]);
            case GgufArray[] x -> array(x[i], full);
            default -> "?";
        };
    }

    /** Double-quoted with escapes for quotes, backslashes and control characters; cut at {@code max} chars. */
    static String quote(String s, int max) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 16).append('"');
        int limit = Math.min(s.length(), max);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (limit < s.length()) {
            out.append(String.format("... (%,d chars)", s.length()));
        }
        return out.toString();
    }
}
