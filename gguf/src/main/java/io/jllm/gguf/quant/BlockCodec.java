package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Argument checking shared by every codec, done once per call so the per-block loops can stay free
 * of checks: a bad count, offset, null or read-only target becomes an {@link IllegalArgumentException}
 * naming the parameter, never an out-of-bounds or null-pointer error from deep inside a loop.
 */
abstract class BlockCodec implements QuantCodec {
    private final GgmlType type;

    BlockCodec(GgmlType type) {
        this.type = type;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public final void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int blocks = blocks(count);
        checkArray("dst", dst, dstOffset, count);
        checkSegment("src", src, srcOffset, blocks, false);
        decode(src, srcOffset, dst, dstOffset, blocks);
    }

    @Override
    public final void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        int blocks = blocks(count);
        checkArray("src", src, srcOffset, count);
        checkSegment("dst", dst, dstOffset, blocks, true);
        encode(src, srcOffset, dst, dstOffset, blocks);
    }

    /** Decodes {@code blocks} whole blocks; arguments already checked. */
    abstract void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks);

    /** Encodes {@code blocks} whole blocks; arguments already checked. */
    abstract void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks);

    private int blocks(int count) {
        int blockSize = type.blockSize();
        if (count < 0 || count % blockSize != 0) {
            throw new IllegalArgumentException(type + " codec: count " + count + " is not a whole number of "
                    + blockSize + "-element blocks; pass a non-negative multiple of " + blockSize);
        }
        return count / blockSize;
    }

    private void checkArray(String name, float[] array, int offset, int count) {
        if (array == null) {
            throw new IllegalArgumentException(type + " codec: " + name + " array is null");
        }
        if (offset < 0 || (long) offset + count > array.length) {
            throw new IllegalArgumentException(type + " codec: " + name + " range [" + offset + ", "
                    + ((long) offset + count) + ") is outside the array of length " + array.length);
        }
    }

    private void checkSegment(String name, MemorySegment segment, long offset, int blocks, boolean writes) {
        if (segment == null) {
            throw new IllegalArgumentException(type + " codec: " + name + " segment is null");
        }
        long bytes = (long) blocks * type.bytesPerBlock();
        if (offset < 0 || offset > segment.byteSize() - bytes) {
            throw new IllegalArgumentException(type + " codec: " + name + " bytes [" + offset + ", " + (offset + bytes)
                    + ") for " + blocks + " block(s) are outside the segment of " + segment.byteSize() + " bytes");
        }
        if (writes && segment.isReadOnly()) {
            throw new IllegalArgumentException(type + " codec: " + name + " segment is read-only");
        }
    }
}
