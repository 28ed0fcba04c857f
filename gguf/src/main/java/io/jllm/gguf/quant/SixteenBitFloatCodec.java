package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Shared bulk loop of the two 16-bit float types (F16, BF16), which differ only in the per-value conversion. */
abstract class SixteenBitFloatCodec extends BlockCodec {
    static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Elements converted per bulk copy; bounds the per-call scratch. */
    private static final int CHUNK = 1024;

    SixteenBitFloatCodec(GgmlType type) {
        super(type);
    }

    abstract float decodeValue(short bits);

    abstract short encodeValue(float value);

    @Override
    final void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        short[] chunk = new short[Math.min(CHUNK, blocks)];
        for (int done = 0; done < blocks; done += chunk.length) {
            int n = Math.min(chunk.length, blocks - done);
            MemorySegment.copy(src, LAYOUT, srcOffset + 2L * done, chunk, 0, n);
            for (int i = 0; i < n; i++) {
                dst[dstOffset + done + i] = decodeValue(chunk[i]);
            }
        }
    }

    @Override
    final void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        short[] chunk = new short[Math.min(CHUNK, blocks)];
        for (int done = 0; done < blocks; done += chunk.length) {
            int n = Math.min(chunk.length, blocks - done);
            for (int i = 0; i < n; i++) {
                chunk[i] = encodeValue(src[srcOffset + done + i]);
            }
            MemorySegment.copy(chunk, 0, dst, LAYOUT, dstOffset + 2L * done, n);
        }
    }
}
