package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    private static final GgufWriter.TensorData ZEROS = dst -> { };

    @TempDir
    Path dir;

    private static void rejected(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    @Test
    void alignmentMustBeAPowerOfTwo() {
        GgufWriter w = new GgufWriter();
        rejected(() -> w.alignment(0), "power of two", "got 0");
        rejected(() -> w.alignment(48), "got 48");
        rejected(() -> w.alignment(-32), "got -32");
        rejected(() -> w.alignment(Integer.MIN_VALUE));
        rejected(() -> w.put("general.alignment", GgufValue.int32(64)), "must be a UINT32");
        rejected(() -> w.put("general.alignment", GgufValue.uint32(3)), "got 3");
        rejected(() -> w.put("general.alignment", GgufValue.uint32(1L << 31)), "power of two");
    }

    @Test
    void generalAlignmentIsWrittenOnlyWhenNot32() throws Exception {
        Path a = dir.resolve("a.gguf");
        new GgufWriter().put("general.alignment", GgufValue.uint32(64)).put("x", GgufValue.bool(true))
                .tensor("t", GgmlType.F32, new long[] {3}, ZEROS).write(a);
        try (GgufFile f = GgufFile.open(a)) {
            assertEquals(64, f.alignment());
            assertEquals(GgufValue.uint32(64), f.metadata().get("general.alignment").orElseThrow());
        }
        Path b = dir.resolve("b.gguf");
        new GgufWriter().alignment(128).alignment(32).put("general.alignment", GgufValue.uint32(32)).write(b);
        try (GgufFile f = GgufFile.open(b)) {
            assertEquals(32, f.alignment());
            assertFalse(f.metadata().has("general.alignment"));
        }
    }

    @Test
    void keysAndValuesMustBeWritable() {
        GgufWriter w = new GgufWriter();
        rejected(() -> w.put("", GgufValue.bool(true)), "non-empty");
        rejected(() -> w.put(null, GgufValue.bool(true)), "non-empty");
        rejected(() -> w.put("k", null), "'k'", "null");
        rejected(() -> w.put("k", GgufValue.string("a\uD800b")), "'k'", "unpaired surrogate U+D800 at index 1");
        rejected(() -> w.put("k\uDC00", GgufValue.bool(true)), "unpaired surrogate U+DC00");
        rejected(() -> w.put("k", GgufValue.array(GgufArray.ofStrings("ok", "\uDBFF"))), "'k'", "unpaired surrogate");
        GgufArray nested = GgufArray.ofInt32(1);
        for (int i = 0; i < MetadataReader.MAX_NESTING; i++) {
            nested = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {nested});
        }
        GgufArray tooDeep = nested;
        rejected(() -> w.put("k", GgufValue.array(tooDeep)), "nested more than 32 deep");
        // A valid surrogate pair is fine.
        w.put("emoji", GgufValue.string("\uD83D\uDE42"));
    }

    @Test
    void tensorDeclarationsAreValidated() {
        GgufWriter w = new GgufWriter().tensor("t", GgmlType.Q4_K, new long[] {256, 2}, ZEROS);
        rejected(() -> w.tensor("t", GgmlType.F32, new long[] {1}, ZEROS), "'t' is declared twice");
        rejected(() -> w.tensor("", GgmlType.F32, new long[] {1}, ZEROS), "non-empty");
        rejected(() -> w.tensor("q", GgmlType.Q4_K, new long[] {128, 2}, ZEROS), "row length 128", "block size 256");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {}, ZEROS), "1 to 4 dimensions, got 0");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, ZEROS), "got 5");
        rejected(() -> w.tensor("q", GgmlType.F32, null, ZEROS), "got null");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {4, 0}, ZEROS), "positive", "[4, 0]");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {-4}, ZEROS), "positive");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {1L << 40, 1L << 40}, ZEROS), "overflows");
        rejected(() -> w.tensor("q", GgmlType.F32, new long[] {1L << 62}, ZEROS), "overflows");
        rejected(() -> w.tensor("x".repeat(64), GgmlType.F32, new long[] {1}, ZEROS), "longer than 63 bytes");
        w.tensor("x".repeat(63), GgmlType.F32, new long[] {1}, ZEROS);
        assertThrows(NullPointerException.class, () -> w.tensor("n", null, new long[] {1}, ZEROS));
    }

    @Test
    void theShapeIsCopiedSoLaterChangesByTheCallerDoNotLeakIn() throws Exception {
        long[] shape = {4, 2};
        Path file = dir.resolve("s.gguf");
        GgufWriter w = new GgufWriter().tensor("t", GgmlType.F32, shape, ZEROS);
        shape[0] = 1000;
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertArrayEquals(new long[] {4, 2}, f.requireTensor("t").shape());
        }
    }

    @Test
    void aFailedWriteLeavesNeitherATempFileNorAHalfFileAndKeepsTheOldOne() throws Exception {
        Path out = dir.resolve("model.gguf");
        Files.writeString(out, "old");
        IOException boom = new IOException("source unreadable");
        GgufWriter w = new GgufWriter().put("k", GgufValue.bool(true))
                .tensor("a", GgmlType.F32, new long[] {8}, ZEROS)
                .tensor("b", GgmlType.F32, new long[] {8}, dst -> {
                    throw boom;
                });
        assertSame(boom, assertThrows(IOException.class, () -> w.write(out)));
        assertEquals("old", Files.readString(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }

        GgufWriter unchecked = new GgufWriter().tensor("a", GgmlType.F32, new long[] {8}, dst -> {
            throw new IllegalStateException("bug in a filler");
        });
        assertThrows(IllegalStateException.class, () -> unchecked.write(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void aSuccessfulWriteReplacesTheTargetAndCanBeRepeated() throws Exception {
        Path out = dir.resolve("model.gguf");
        Files.writeString(out, "old");
        GgufWriter w = new GgufWriter().put("k", GgufValue.uint32(5))
                .tensor("t", GgmlType.I32, new long[] {4}, dst -> dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 3, 99));
        w.write(out);
        w.write(out);
        try (GgufFile f = GgufFile.open(out); Stream<Path> files = Files.list(dir)) {
            assertEquals(5, f.metadata().int32("k"));
            assertEquals(99, f.data(f.requireTensor("t")).getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 3));
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void aTensorCanBeFilledFromSeveralThreads() throws Exception {
        int n = 1 << 16;
        Path out = dir.resolve("threads.gguf");
        new GgufWriter().tensor("t", GgmlType.I32, new long[] {n}, dst -> {
            Thread[] threads = new Thread[4];
            for (int k = 0; k < threads.length; k++) {
                int part = k;
                threads[k] = Thread.ofPlatform().start(() -> {
                    for (int i = part; i < n; i += threads.length) {
                        dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, i * 7);
                    }
                });
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }).write(out);
        try (GgufFile f = GgufFile.open(out)) {
            MemorySegment data = f.data(f.requireTensor("t"));
            for (int i = 0; i < n; i++) {
                assertEquals(i * 7, data.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i), "element " + i);
            }
        }
    }
}
