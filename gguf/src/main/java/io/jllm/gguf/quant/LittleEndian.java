package io.jllm.gguf.quant;

/** Reads and writes ggml's little-endian scalars inside a block copied to a byte array. */
final class LittleEndian {
    private LittleEndian() {
    }

    static short getShort(byte[] b, int at) {
        return (short) ((b[at] & 0xFF) | (b[at + 1] << 8));
    }

    static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    static float getFloat(byte[] b, int at) {
        return Float.intBitsToFloat((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | b[at + 3] << 24);
    }

    static void putFloat(byte[] b, int at, float v) {
        int bits = Float.floatToRawIntBits(v);
        b[at] = (byte) bits;
        b[at + 1] = (byte) (bits >> 8);
        b[at + 2] = (byte) (bits >> 16);
        b[at + 3] = (byte) (bits >> 24);
    }
}
