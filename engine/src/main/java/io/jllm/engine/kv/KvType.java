package io.jllm.engine.kv;

/** Element type of cached keys and values. F16 halves memory and matches llama.cpp's default. */
public enum KvType {
    F16(2),
    F32(4);

    private final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }
}
