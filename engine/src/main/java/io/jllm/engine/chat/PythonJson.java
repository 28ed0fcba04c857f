package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(x, ensure_ascii=False)} writes it, which is what chat templates'
 * {@code tojson} produces under Hugging Face transformers (and llama.cpp's Jinja engine): {@code ", "} and
 * {@code ": "} separators, keys in their given order, non-ASCII characters as they are, and floats the way
 * Python's {@code repr} spells them.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumps(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                out.append('{');
                Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    writeString(field.getKey(), out);
                    out.append(": ");
                    write(field.getValue(), out);
                    if (fields.hasNext()) {
                        out.append(", ");
                    }
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(", ");
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> writeString(node.textValue(), out);
            case NUMBER -> out.append(node.isIntegralNumber() ? node.bigIntegerValue().toString()
                    : floatRepr(node.doubleValue()));
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL, MISSING -> out.append("null");
            default -> throw new IllegalArgumentException(
                    "cannot write a " + node.getNodeType() + " JSON node as template JSON");
        }
    }

    /** Python's json string escaping with ensure_ascii=False: only quote, backslash and controls are escaped. */
    static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * The shortest decimal that reads back as {@code d} (positive, finite), the closest one if several. That is
     * {@link Double#toString} since JDK 19, except that it never gives fewer than two digits: where one digit
     * would do (4.9E-324 for 5e-324), the one-digit neighbours are tried.
     */
    private static BigDecimal shortestDigits(double d) {
        BigDecimal s = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        if (s.precision() != 2) {
            return s;
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal one = s.round(new MathContext(1, mode));
            if (Double.parseDouble(one.toString()) == d && (best == null
                    || one.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                best = one;
            }
        }
        return best == null ? s : best.stripTrailingZeros();
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back as the same double, in positional notation when the decimal exponent is in
     * [-4, 16) and as {@code d.ddde+XX} otherwise; {@code json.dumps} writes non-finite values as NaN/Infinity.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortestDigits(Math.abs(d));
        String digits = shortest.unscaledValue().toString();
        int point = digits.length() - shortest.scale(); // value = 0.digits * 10^point
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (point > -4 && point <= 16) {
            if (point <= 0) {
                out.append("0.").append("0".repeat(-point)).append(digits);
            } else if (point >= digits.length()) {
                out.append(digits).append("0".repeat(point - digits.length())).append(".0");
            } else {
                out.append(digits, 0, point).append('.').append(digits, point, digits.length());
            }
        } else {
            int exponent = point - 1;
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            out.append(e < 10 ? "0" : "").append(e);
        }
        return out.toString();
    }
}
