package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(ints = {32, 1, 8, 64, 4096})
    void everyValueTypeAndEveryTensorTypeRoundTrip(int alignment) throws Exception {
        Map<String, GgufValue> values = GgufFixtures.everyValue();
        List<GgufFixtures.Tensor> tensors = GgufFixtures.everyTensorType(alignment);
        Path file = dir.resolve("all.gguf");
        GgufFixtures.writer(values, tensors, alignment).write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(3, f.version());
            GgufFixtures.assertContent(f, values, tensors, alignment);
            // Float.equals ignores NaN payloads; the writer stores raw bits, so they must survive.
            assertEquals(0x7FC0_1234, Float.floatToRawIntBits((Float) f.metadata().get("test.float32.nan").orElseThrow().value()));
            assertEquals(alignment == GgufFile.DEFAULT_ALIGNMENT, !f.metadata().has("general.alignment"));
            assertEquals(Files.size(file), f.fileSize());
            // Padded after the last tensor too, as llama.cpp's writers do.
            assertEquals(0, (f.fileSize() - f.dataOffset()) % alignment);
        }
    }

    @Test
    void largeStringArraysCrossTheReadersBufferBoundariesIntact() throws Exception {
        // The reader buffers 64 KiB at a time: strings straddle its edges, some are longer than it.
        Random random = new Random(17);
        String[] strings = new String[12_000];
        int[] alphabet = {'a', 'Z', ' ', 0xE9, 0x120, 0x65E5, 0x1F642, 0};
        for (int i = 0; i < strings.length; i++) {
            int length = i % 5000 == 2500 ? 70_000 + random.nextInt(1000) : random.nextInt(24);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < length; k++) {
                sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            strings[i] = sb.toString();
        }
        Map<String, GgufValue> values = new LinkedHashMap<>();
        values.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(strings)));
        values.put("long.scalar", GgufValue.string("x".repeat(200_000) + "\u00e9"));
        values.put("after", GgufValue.uint32(7));
        Path file = dir.resolve("strings.gguf");
        GgufFixtures.writer(values, List.of(), 32).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            GgufFixtures.assertContent(f, values, List.of(), 32);
        }

        // Truncated anywhere inside them (not in the final padding, which may go): only format errors.
        byte[] bytes = Files.readAllBytes(file);
        MemorySegment whole = MemorySegment.ofArray(bytes);
        for (int i = 0; i < 60; i++) {
            long length = random.nextInt(bytes.length - 32);
            assertThrows(GgufFormatException.class, () -> GgufFile.parse(whole.asSlice(0, length), file));
        }
    }

    @Test
    void arraysReadFromAFileConvertOnFirstUseAndOutliveTheFile() throws Exception {
        Map<String, GgufValue> values = GgufFixtures.everyValue();
        Path file = dir.resolve("arrays.gguf");
        GgufFixtures.writer(values, List.of(), 32).write(file);
        GgufMetadata md;
        try (GgufFile f = GgufFile.open(file)) {
            md = f.metadata();
            for (Map.Entry<String, GgufValue> e : values.entrySet()) {
                if (e.getValue().value() instanceof GgufArray want) {
                    GgufArray got = md.array(e.getKey());
                    // Length and type come without converting; the elements are then the same array each call.
                    assertEquals(want.length(), got.length(), e.getKey());
                    assertEquals(want.elementType(), got.elementType(), e.getKey());
                }
            }
        }
        // Closing unmaps the file; the metadata read from it must still be whole.
        for (Map.Entry<String, GgufValue> e : values.entrySet()) {
            assertEquals(e.getValue(), md.get(e.getKey()).orElseThrow(), e.getKey());
            if (e.getValue().value() instanceof GgufArray) {
                GgufArray got = md.array(e.getKey());
                assertTrue(got.elements() == got.elements(), e.getKey());
            }
        }
    }

    @Test
    void tensorsArePackedBackToBackAtAlignedOffsetsInDeclarationOrder() throws Exception {
        List<GgufFixtures.Tensor> tensors = GgufFixtures.everyTensorType(7);
        Path file = dir.resolve("packed.gguf");
        GgufFixtures.writer(Map.of(), tensors, 32).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            long expected = 0;
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(expected, t.offset(), t.name());
                expected = (t.offset() + t.byteSize() + 31) / 32 * 32;
            }
            assertEquals(f.dataOffset() + expected, f.fileSize());
        }
    }

    @Test
    void writerOutputIsByteForByteTheLayoutBuiltByHand() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        Path file = dir.resolve("small.gguf");
        new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .put("n", GgufValue.uint32(7))
                .tensor("w", GgmlType.F32, new long[] {2, 2}, dst -> MemorySegment.copy(data, 0, dst, ValueLayout.JAVA_BYTE, 0, 16))
                .write(file);

        GgufBytes expected = GgufBytes.header(3, 1, 2)
                .kvString("general.architecture", "llama")
                .kvU32("n", 7)
                .tensorInfo("w", GgmlType.F32, 0, 2, 2)
                .pad(32)
                .raw(data)
                .pad(32);
        assertArrayEquals(expected.bytes(), Files.readAllBytes(file));
    }

    @Test
    void readsVersion2FilesWhichShareTheVersion3Layout() throws Exception {
        // gguf.cpp reads v2 and v3 alike: v2 introduced the 64-bit counts and lengths, v3 only added
        // big-endian support. Built by hand, so the reader is checked against the layout, not the writer.
        GgufBytes b = GgufBytes.header(2, 2, 3)
                .kvString("general.architecture", "llama")
                .kvU32("general.alignment", 16)
                .str("tokens").u32(GgufBytes.ARRAY).u32(GgufBytes.STRING).u64(2).str("<s>").str("ĠThe")
                .tensorInfo("a", GgmlType.F16, 0, 3)
                .tensorInfo("b", GgmlType.Q8_0, 16, 32);
        b.pad(16);
        long dataStart = b.size();
        b.raw(1, 2, 3, 4, 5, 6).pad(16);
        byte[] q8 = new byte[34];
        q8[0] = 42;
        b.raw(q8);

        try (GgufFile f = b.parse()) {
            assertEquals(2, f.version());
            assertEquals(16, f.alignment());
            assertEquals(dataStart, f.dataOffset());
            assertEquals("llama", f.metadata().string("general.architecture"));
            assertArrayEquals(new String[] {"<s>", "ĠThe"}, f.metadata().stringArray("tokens"));
            GgufTensorInfo a = f.requireTensor("a");
            assertEquals(6, a.byteSize());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, f.data(a).toArray(ValueLayout.JAVA_BYTE));
            GgufTensorInfo q = f.requireTensor("b");
            assertEquals(GgmlType.Q8_0, q.type());
            assertEquals(34, q.byteSize());
            assertEquals(42, f.data(q).get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void aFileWithoutTensorsNeedsNoPaddingAfterItsMetadata() throws Exception {
        // gguf.cpp seeks to the aligned data section only when there are tensors.
        GgufBytes b = GgufBytes.header(3, 0, 1).kvU32("k", 1);
        try (GgufFile f = b.parse()) {
            assertTrue(f.tensors().isEmpty());
            assertEquals(1, f.metadata().int32("k"));
            assertEquals(b.size(), f.dataOffset());
        }
    }

    @Test
    void tensorDataIsAReadOnlySliceOfTheMappingThatDiesWithTheFile() throws Exception {
        Path file = dir.resolve("slice.gguf");
        GgufFixtures.writer(Map.of(), GgufFixtures.everyTensorType(3), 32).write(file);
        GgufFile f = GgufFile.open(file);
        GgufTensorInfo t = f.tensors().getFirst();
        MemorySegment data = f.data(t);
        assertTrue(data.isReadOnly());
        assertTrue(data.isMapped());
        assertThrows(IllegalArgumentException.class, () -> data.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> f.data(t));
    }

    @Test
    void lookupsByNameAndForeignTensorsAreCheckedWithClearErrors() throws Exception {
        Path file = dir.resolve("names.gguf");
        GgufFixtures.writer(Map.of(), GgufFixtures.everyTensorType(5), 32).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertTrue(f.tensor("blk.0.q4_k.weight").isPresent());
            assertTrue(f.tensor("nope").isEmpty());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> f.requireTensor("nope"));
            assertTrue(missing.getMessage().contains("'nope'") && missing.getMessage().contains(file.toString()),
                    missing.getMessage());
            GgufTensorInfo real = f.requireTensor("blk.0.f32.weight");
            GgufTensorInfo forged = new GgufTensorInfo(real.name(), real.type(), real.shape(), real.offset() + 32, real.byteSize());
            assertThrows(IllegalArgumentException.class, () -> f.data(forged));
        }
    }

    @Test
    void progressIsToldAfterEveryTensorWithRunningTotals() throws Exception {
        List<GgufFixtures.Tensor> tensors = GgufFixtures.everyTensorType(11);
        long total = tensors.stream().mapToLong(t -> t.bytes().length).sum();
        List<long[]> calls = new ArrayList<>();
        GgufFixtures.writer(Map.of(), tensors, 32).write(dir.resolve("p.gguf"),
                (tensor, index, count, done, all) -> {
                    assertEquals(tensors.get(index).name(), tensor.name());
                    calls.add(new long[] {index, count, done, all});
                });
        assertEquals(tensors.size(), calls.size());
        long done = 0;
        for (int i = 0; i < calls.size(); i++) {
            done += tensors.get(i).bytes().length;
            assertArrayEquals(new long[] {i, tensors.size(), done, total}, calls.get(i));
        }
    }
}
