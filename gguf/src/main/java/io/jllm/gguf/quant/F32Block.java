package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** ggml's F32: one little-endian IEEE binary32 per element, copied bit for bit (NaN payloads kept). */
public final class F32Block extends BlockCodec {
    public static final int BLOCK_SIZE = 1;
    public static final int BLOCK_BYTES = 4;
    public static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static final F32Block INSTANCE = new F32Block();

    private F32Block() {
        super(GgmlType.F32);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        MemorySegment.copy(src, LAYOUT, srcOffset, dst, dstOffset, blocks);
    }

    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        MemorySegment.copy(src, srcOffset, dst, LAYOUT, dstOffset, blocks);
    }
}
