package io.jllm.gguf;

/**
 * Checks, before anything is written, that a key or value can be written so that GGUF readers
 * (jLLM's and llama.cpp's) accept it: strings are valid Unicode (an unpaired surrogate would be
 * silently written as '?'), keys are non-empty, arrays respect the reader's element and nesting
 * limits. Problems are IllegalArgumentExceptions naming the key.
 */
final class WritableValues {
    private WritableValues() {
    }

    static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must be a non-empty string, got "
                    + (key == null ? "null" : "\"\""));
        }
        checkString(key, "metadata key '" + key + "'");
    }

    static void checkValue(String key, GgufValue value) {
        if (value == null) {
            throw new IllegalArgumentException("metadata '" + key + "': value is null");
        }
        String where = "metadata '" + key + "'";
        switch (value.value()) {
            case String s -> checkString(s, where);
            case GgufArray a -> checkArray(a, where, 1);
            default -> {
            }
        }
    }

    private static void checkArray(GgufArray array, String where, int depth) {
        if (depth > MetadataReader.MAX_NESTING) {
            throw new IllegalArgumentException(where + ": arrays nested more than " + MetadataReader.MAX_NESTING + " deep");
        }
        if (array.length() > MetadataReader.MAX_ARRAY_ELEMENTS) {
            throw new IllegalArgumentException(where + ": " + array.length() + " elements exceed the GGUF readers' limit of "
                    + MetadataReader.MAX_ARRAY_ELEMENTS);
        }
        if (array.elements() instanceof String[] strings) {
            for (int i = 0; i < strings.length; i++) {
                if (strings[i] == null) {
                    throw new IllegalArgumentException(where + "[" + i + "] is null");
                }
                checkString(strings[i], where);
            }
        } else if (array.elements() instanceof GgufArray[] arrays) {
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i] == null) {
                    throw new IllegalArgumentException(where + "[" + i + "] is null");
                }
                checkArray(arrays[i], where + "[" + i + "]", depth + 1);
            }
        }
    }

    /** Rejects unpaired surrogates, the only Java strings that have no UTF-8 encoding. */
    static void checkString(String s, String where) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(where + ": string has an unpaired surrogate U+"
                        + String.format("%04X", (int) c) + " at index " + i + " and cannot be encoded as UTF-8");
            }
        }
    }
}
