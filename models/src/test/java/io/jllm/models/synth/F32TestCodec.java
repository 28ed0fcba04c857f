package io.jllm.models.synth;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.quant.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Little-endian F32 "codec" so generator tests do not depend on the gguf module's codecs. */
class F32TestCodec implements QuantCodec {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(LE_FLOAT, srcOffset + 4L * i);
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst.set(LE_FLOAT, dstOffset + 4L * i, src[srcOffset + i]);
        }
    }
}
