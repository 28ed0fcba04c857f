package io.jllm.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** Buffered little-endian writes to a channel, counting the bytes written (for alignment padding). */
final class LittleEndianOutput {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    LittleEndianOutput(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** Bytes written so far, buffered or not. */
    long position() {
        return written;
    }

    void u8(int v) throws IOException {
        room(1).put((byte) v);
        written += 1;
    }

    void u16(int v) throws IOException {
        room(2).putShort((short) v);
        written += 2;
    }

    void u32(long v) throws IOException {
        room(4).putInt((int) v);
        written += 4;
    }

    void u64(long v) throws IOException {
        room(8).putLong(v);
        written += 8;
    }

    void bytes(byte[] b) throws IOException {
        if (b.length > buffer.capacity()) {
            flush();
            ByteBuffer whole = ByteBuffer.wrap(b);
            while (whole.hasRemaining()) {
                channel.write(whole);
            }
        } else {
            room(b.length).put(b);
        }
        written += b.length;
    }

    /** Writes zeros up to the next multiple of {@code alignment}. */
    void pad(int alignment) throws IOException {
        while (written % alignment != 0) {
            u8(0);
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private ByteBuffer room(int n) throws IOException {
        if (buffer.remaining() < n) {
            flush();
        }
        return buffer;
    }
}
