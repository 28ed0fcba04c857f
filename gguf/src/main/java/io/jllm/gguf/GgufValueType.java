package io.jllm.gguf;

/** GGUF metadata value types, with the ids the file stores (gguf.h {@code enum gguf_type}). */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    public int id() {
        return id;
    }

    /** Bytes of one value on disk, or -1 for the variable-length string and array. */
    public int fixedSize() {
        return fixedSize;
    }

    /** The type with this id, or null if GGUF defines none. */
    public static GgufValueType byId(long id) {
        for (GgufValueType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
