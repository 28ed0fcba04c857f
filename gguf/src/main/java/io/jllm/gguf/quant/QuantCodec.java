package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference conversion between floats and one ggml type's packed blocks.
 *
 * <p>These are the oracles the engine's SIMD kernels are tested against, so they favour being
 * obviously right over being fast. Counts are in elements and must be whole blocks.
 */
public interface QuantCodec {
    GgmlType type();

    /** Decodes {@code count} elements starting at byte {@code srcOffset} of {@code src}. */
    void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    /** Encodes {@code count} floats into whole blocks at byte {@code dstOffset} of {@code dst}. */
    void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);
}
