package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Argument checking and offset handling, the same for every codec. */
class CodecArgumentsTest {
    static Stream<QuantCodec> codecs() {
        return Arrays.stream(GgmlType.values()).map(Codecs::forType).filter(c -> c != null);
    }

    private static int blockSize(QuantCodec codec) {
        return codec.type().blockSize();
    }

    private static int blockBytes(QuantCodec codec) {
        return codec.type().bytesPerBlock();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void countMustBeNonNegativeWholeBlocks(QuantCodec codec) {
        float[] floats = new float[4 * 256];
        MemorySegment bytes = MemorySegment.ofArray(new byte[4 * 292 * 256]);
        assertRejected("count -" + blockSize(codec), () -> codec.dequantize(bytes, 0, floats, 0, -blockSize(codec)));
        assertRejected("count -" + blockSize(codec), () -> codec.quantize(floats, 0, bytes, 0, -blockSize(codec)));
        if (blockSize(codec) > 1) {
            assertRejected("count 31 is not a whole number", () -> codec.dequantize(bytes, 0, floats, 0, 31));
            assertRejected("count 33 is not a whole number", () -> codec.quantize(floats, 0, bytes, 0, 33));
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void floatRangeMustFitTheArray(QuantCodec codec) {
        int n = blockSize(codec);
        MemorySegment bytes = MemorySegment.ofArray(new byte[2 * blockBytes(codec)]);
        float[] floats = new float[n];
        assertRejected("dst range [1, " + (n + 1) + ")", () -> codec.dequantize(bytes, 0, floats, 1, n));
        assertRejected("dst range [-1,", () -> codec.dequantize(bytes, 0, floats, -1, n));
        assertRejected("src range [0, " + 2 * n + ")", () -> codec.quantize(floats, 0, bytes, 0, 2 * n));
        assertRejected("src range [" + Integer.MAX_VALUE, () -> codec.quantize(floats, Integer.MAX_VALUE, bytes, 0, n));
        assertRejected("dst array is null", () -> codec.dequantize(bytes, 0, null, 0, n));
        assertRejected("src array is null", () -> codec.quantize(null, 0, bytes, 0, n));
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void byteRangeMustFitTheSegment(QuantCodec codec) {
        int n = blockSize(codec);
        int bpb = blockBytes(codec);
        float[] floats = new float[2 * n];
        MemorySegment bytes = MemorySegment.ofArray(new byte[2 * bpb]);
        assertRejected("src bytes [1, " + (2 * bpb + 1) + ")", () -> codec.dequantize(bytes, 1, floats, 0, 2 * n));
        assertRejected("dst bytes [-1,", () -> codec.quantize(floats, 0, bytes, -1, n));
        assertRejected("outside the segment of " + 2 * bpb + " bytes",
                () -> codec.dequantize(bytes, Long.MAX_VALUE, floats, 0, n));
        assertRejected("src segment is null", () -> codec.dequantize(null, 0, floats, 0, n));
        assertRejected("dst segment is null", () -> codec.quantize(floats, 0, null, 0, n));
        assertRejected("dst segment is read-only", () -> codec.quantize(floats, 0, bytes.asReadOnly(), 0, n));
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void zeroCountTouchesNothing(QuantCodec codec) {
        float[] floats = {7f};
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        codec.dequantize(empty, 0, floats, 1, 0);
        codec.quantize(floats, 1, empty, 0, 0);
        assertEquals(7f, floats[0]);
    }

    /**
     * Blocks land exactly at the given offsets (including odd, unaligned byte offsets in native memory),
     * bytes around them stay untouched, and converting several blocks at once equals converting them one
     * by one.
     */
    @ParameterizedTest
    @MethodSource("codecs")
    void offsetsAreHonouredAndBlocksAreIndependent(QuantCodec codec) {
        int n = blockSize(codec);
        int bpb = blockBytes(codec);
        int blocks = Math.max(3, 40 / n); // several blocks even for the 1-element float types
        float[] x = QuantTestData.values(QuantTestData.Distribution.OUTLIERS, 5 + blocks * n, 3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(7 + (long) blocks * bpb + 5);
            whole.fill((byte) 0x5A);
            codec.quantize(x, 5, whole, 7, blocks * n);
            for (int b = 0; b < blocks; b++) {
                MemorySegment one = MemorySegment.ofArray(new byte[bpb]);
                codec.quantize(x, 5 + b * n, one, 0, n);
                assertArrayEquals(one.toArray(ValueLayout.JAVA_BYTE),
                        whole.asSlice(7 + (long) b * bpb, bpb).toArray(ValueLayout.JAVA_BYTE), "block " + b);
            }
            for (long i = 0; i < 7; i++) {
                assertEquals(0x5A, whole.get(ValueLayout.JAVA_BYTE, i), "byte before the blocks");
            }
            for (long i = 7 + (long) blocks * bpb; i < whole.byteSize(); i++) {
                assertEquals(0x5A, whole.get(ValueLayout.JAVA_BYTE, i), "byte after the blocks");
            }

            float[] all = new float[3 + blocks * n + 2];
            Arrays.fill(all, -99f);
            codec.dequantize(whole, 7, all, 3, blocks * n);
            float[] each = new float[n];
            for (int b = 0; b < blocks; b++) {
                codec.dequantize(whole, 7 + (long) b * bpb, each, 0, n);
                assertArrayEquals(each, Arrays.copyOfRange(all, 3 + b * n, 3 + (b + 1) * n), "block " + b);
            }
            assertEquals(-99f, all[2]);
            assertEquals(-99f, all[3 + blocks * n]);
        }
    }

    /** The codecs are shared singletons: two threads quantizing at once must get the serial result. */
    @ParameterizedTest
    @MethodSource("codecs")
    void concurrentUseMatchesSerial(QuantCodec codec) throws Exception {
        float[] x = QuantTestData.values(QuantTestData.Distribution.GAUSSIAN, 64 * 256, 9);
        byte[] serial = QuantTestData.quantize(codec, x).toArray(ValueLayout.JAVA_BYTE);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<byte[]>> runs = pool.invokeAll(List.of(
                    () -> QuantTestData.quantize(codec, x).toArray(ValueLayout.JAVA_BYTE),
                    () -> QuantTestData.quantize(codec, x).toArray(ValueLayout.JAVA_BYTE)));
            for (Future<byte[]> run : runs) {
                assertArrayEquals(serial, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertRejected(String messagePart, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
    }
}
