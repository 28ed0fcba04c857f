package io.jllm.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A file's key/value metadata in file order, with typed accessors whose errors name the key and
 * what was found instead. Integer accessors accept any GGUF integer type whose value fits.
 */
public final class GgufMetadata {
    private final String source;
    private final Map<String, GgufValue> values;

    /** @param source what the values came from (a file name), used in error messages */
    public GgufMetadata(String source, Map<String, GgufValue> values) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String string(String key) {
        return (String) require(key, GgufValueType.STRING).value();
    }

    public Optional<String> optString(String key) {
        return has(key) ? Optional.of(string(key)) : Optional.empty();
    }

    public int int32(String key) {
        long v = int64(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error(key, "value " + v + " does not fit in a 32-bit int");
        }
        return (int) v;
    }

    public Optional<Integer> optInt32(String key) {
        return has(key) ? Optional.of(int32(key)) : Optional.empty();
    }

    public long int64(String key) {
        GgufValue v = require(key, null);
        if (!v.isInteger()) {
            throw error(key, "expected an integer, found " + v.type());
        }
        long l = (Long) v.value();
        if (v.type() == GgufValueType.UINT64 && l < 0) {
            throw error(key, "value " + Long.toUnsignedString(l) + " does not fit in a signed 64-bit long");
        }
        return l;
    }

    /** FLOAT32, or FLOAT64 narrowed; integers are accepted too since some writers store 1e6 as an int. */
    public float float32(String key) {
        GgufValue v = require(key, null);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> {
                if (v.isInteger()) {
                    yield (float) (long) (Long) v.value();
                }
                throw error(key, "expected a float, found " + v.type());
            }
        };
    }

    public Optional<Float> optFloat32(String key) {
        return has(key) ? Optional.of(float32(key)) : Optional.empty();
    }

    public boolean bool(String key) {
        return (Boolean) require(key, GgufValueType.BOOL).value();
    }

    public Optional<Boolean> optBool(String key) {
        return has(key) ? Optional.of(bool(key)) : Optional.empty();
    }

    public GgufArray array(String key) {
        return (GgufArray) require(key, GgufValueType.ARRAY).value();
    }

    public String[] stringArray(String key) {
        GgufArray a = array(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw error(key, "expected an array of STRING, found an array of " + a.elementType());
        }
        return ((String[]) a.elements()).clone();
    }

    public int[] intArray(String key) {
        GgufArray a = array(key);
        if (!(a.elements() instanceof long[] longs)) {
            throw error(key, "expected an array of integers, found an array of " + a.elementType());
        }
        int[] ints = new int[longs.length];
        for (int i = 0; i < longs.length; i++) {
            if (longs[i] < Integer.MIN_VALUE || longs[i] > Integer.MAX_VALUE) {
                throw error(key, "element " + i + " = " + longs[i] + " does not fit in a 32-bit int");
            }
            ints[i] = (int) longs[i];
        }
        return ints;
    }

    public float[] floatArray(String key) {
        GgufArray a = array(key);
        if (a.elements() instanceof float[] floats) {
            return floats.clone();
        }
        if (a.elements() instanceof double[] doubles) {
            float[] f = new float[doubles.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) doubles[i];
            }
            return f;
        }
        throw error(key, "expected an array of floats, found an array of " + a.elementType());
    }

    private GgufValue require(String key, GgufValueType type) {
        GgufValue v = values.get(key);
        if (v == null) {
            throw error(key, "missing");
        }
        if (type != null && v.type() != type) {
            throw error(key, "expected " + type + ", found " + v.type());
        }
        return v;
    }

    private GgufMetadataException error(String key, String problem) {
        return new GgufMetadataException(source + ": metadata key '" + key + "': " + problem);
    }

    /** A metadata key that is missing or of the wrong type for what the caller needs. */
    public static final class GgufMetadataException extends IllegalArgumentException {
        public GgufMetadataException(String message) {
            super(message);
        }
    }
}
