package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Shared loop of the quantized block types: blocks move between the segment and a small byte array in
 * bulk, and the type's code works on that array, so no per-element segment access happens.
 *
 * @param <S> per-call scratch of the quantizer (codecs are shared between threads, so scratch is never a field)
 */
abstract class PackedBlockCodec<S> extends BlockCodec {
    /** Blocks moved per bulk copy when decoding. */
    private static final int DECODE_CHUNK_BLOCKS = 16;

    private final int blockSize;
    private final int blockBytes;

    PackedBlockCodec(GgmlType type) {
        super(type);
        this.blockSize = type.blockSize();
        this.blockBytes = type.bytesPerBlock();
    }

    /** Decodes the block at {@code block[base..base+blockBytes)} into {@code dst[at..at+blockSize)}. */
    abstract void decodeBlock(byte[] block, int base, float[] dst, int at);

    /** Encodes {@code src[at..at+blockSize)} into {@code block[0..blockBytes)}, overwriting every byte. */
    abstract void encodeBlock(float[] src, int at, byte[] block, S scratch);

    abstract S newScratch();

    @Override
    final void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        byte[] chunk = new byte[Math.min(DECODE_CHUNK_BLOCKS, blocks) * blockBytes];
        for (int done = 0; done < blocks; ) {
            int n = Math.min(DECODE_CHUNK_BLOCKS, blocks - done);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + (long) done * blockBytes, chunk, 0, n * blockBytes);
            for (int b = 0; b < n; b++) {
                decodeBlock(chunk, b * blockBytes, dst, dstOffset + (done + b) * blockSize);
            }
            done += n;
        }
    }

    @Override
    final void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        byte[] block = new byte[blockBytes];
        S scratch = newScratch();
        for (int b = 0; b < blocks; b++) {
            encodeBlock(src, srcOffset + b * blockSize, block, scratch);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + (long) b * blockBytes, blockBytes);
        }
    }
}
