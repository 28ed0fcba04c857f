package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Typed reads of optional request fields. An absent field and an explicit JSON null both read as null
 * (OpenAI clients send nulls for unset options); a value of the wrong type is a 400 naming the field.
 * Unknown fields are never looked at, so clients may send extras.
 */
final class Fields {
    private Fields() {
    }

    /** The field's value, or null when absent or JSON null. */
    static JsonNode get(JsonNode o, String name) {
        JsonNode v = o.get(name);
        return v == null || v.isNull() ? null : v;
    }

    static Integer optInt(JsonNode o, String name) {
        return optInt(o, name, name);
    }

    static Integer optInt(JsonNode o, String name, String param) {
        return read(o, name, param, v -> v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToInt(),
                "an integer", JsonNode::intValue);
    }

    static Long optLong(JsonNode o, String name) {
        return read(o, name, name, v -> v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToLong(),
                "a 64-bit integer", JsonNode::longValue);
    }

    static Double optNumber(JsonNode o, String name) {
        return read(o, name, name, JsonNode::isNumber, "a number", JsonNode::doubleValue);
    }

    static Boolean optBool(JsonNode o, String name) {
        return optBool(o, name, name);
    }

    static Boolean optBool(JsonNode o, String name, String param) {
        return read(o, name, param, JsonNode::isBoolean, "true or false", JsonNode::booleanValue);
    }

    static String optString(JsonNode o, String name) {
        return optString(o, name, name);
    }

    static String optString(JsonNode o, String name, String param) {
        return read(o, name, param, JsonNode::isTextual, "a string", JsonNode::textValue);
    }

    static ArrayNode optArray(JsonNode o, String name, String param) {
        return read(o, name, param, JsonNode::isArray, "an array", v -> (ArrayNode) v);
    }

    static ObjectNode optObject(JsonNode o, String name, String param) {
        return read(o, name, param, JsonNode::isObject, "an object", v -> (ObjectNode) v);
    }

    /** The field as {@code value} reads it, null when absent, a 400 naming {@code param} when not {@code accepted}. */
    private static <T> T read(JsonNode o, String name, String param, Predicate<JsonNode> accepted, String expected,
            Function<JsonNode, T> value) {
        JsonNode v = get(o, name);
        if (v == null) {
            return null;
        }
        if (!accepted.test(v)) {
            throw wrongType(param, expected, v);
        }
        return value.apply(v);
    }

    /** A string or an array of strings (OpenAI's {@code stop}); empty when absent. */
    static List<String> stringOrStrings(JsonNode o, String name) {
        JsonNode v = get(o, name);
        if (v == null) {
            return List.of();
        }
        if (v.isTextual()) {
            return List.of(v.textValue());
        }
        if (!v.isArray()) {
            throw wrongType(name, "a string or an array of strings", v);
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw wrongType(name + "[" + i + "]", "a string", e);
            }
            out.add(e.textValue());
        }
        return out;
    }

    static ApiError wrongType(String param, String expected, JsonNode got) {
        return ApiError.invalid(param, param + " must be " + expected + ", got " + describe(got));
    }

    /** A JSON value's kind and a short rendering of it, for error messages. */
    static String describe(JsonNode v) {
        String text = v.toString();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        String kind = switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number";
            case BOOLEAN -> "the boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        return v.isNull() ? kind : kind + " " + text;
    }
}
