package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small but complete file, damaged in every way a broken download or a hostile author could:
 * truncated at every byte, bytes flipped, length and count fields set to huge values. The reader
 * must either open it or throw a {@link GgufFormatException}: never another exception, never a hang.
 * Files are parsed from memory ({@link GgufFile#parse}), the same code path as a mapped file.
 */
class GgufCorruptionTest {
    private static final Path NAME = Path.of("corrupt.gguf");
    /** Generous: the whole class takes about a second on a quiet machine. */
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(60);
    private static final long[] HUGE = {
        1L << 60, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, (1L << 32) + 1, 1L << 31, Integer.MAX_VALUE,
        1L << 30, (1L << 30) + 1, 0xFFFF_FFFFL, 1L << 40, 65536, 0, 1, 2, 3,
    };

    private static byte[] original;
    /** Byte offsets of every u64 length or count field, found from the strings the fixture wrote. */
    private static List<Integer> u64Fields;
    /** Byte offsets of every u32 type id and dimension count. */
    private static List<Integer> u32Fields;
    private static long dataOffset;
    /** Where the last tensor's data ends: every shorter file is truncated. */
    private static long requiredLength;

    @BeforeAll
    static void writeFixture(@TempDir Path dir) throws Exception {
        Map<String, GgufValue> values = new LinkedHashMap<>();
        values.put("general.architecture", GgufValue.string("qwen3"));
        values.put("qwen3.block_count", GgufValue.uint32(2));
        values.put("qwen3.rope.freq_base", GgufValue.float32(1e6f));
        values.put("general.flag", GgufValue.bool(true));
        values.put("general.big", GgufValue.uint64(-2));
        values.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings("<s>", "ĠThe", "日本", "", "🙂", "end")));
        values.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInt32(3, 1, 1, 1, 1, 1)));
        values.put("tokenizer.ggml.merges", GgufValue.array(GgufArray.ofStrings("Ġ T", "h e")));
        values.put("test.nested", GgufValue.array(new GgufArray(GgufValueType.ARRAY,
                new GgufArray[] {GgufArray.ofStrings("a"), GgufArray.ofFloat32(1f, 2f)})));
        List<GgufFixtures.Tensor> tensors = new ArrayList<>();
        Random random = new Random(42);
        for (Object[] spec : new Object[][] {
            {"token_embd.weight", GgmlType.Q4_K, new long[] {256, 2}},
            {"blk.0.attn_norm.weight", GgmlType.F32, new long[] {16}},
            {"blk.0.ffn_down.weight", GgmlType.Q8_0, new long[] {64, 2}},
            {"output.weight", GgmlType.F16, new long[] {4, 2, 3}},
        }) {
            GgmlType type = (GgmlType) spec[1];
            long[] shape = (long[]) spec[2];
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            byte[] bytes = new byte[(int) type.byteSize(elements)];
            random.nextBytes(bytes);
            tensors.add(new GgufFixtures.Tensor((String) spec[0], type, shape, bytes));
        }
        Path file = dir.resolve(NAME);
        GgufFixtures.writer(values, tensors, 32).write(file);
        original = Files.readAllBytes(file);

        try (GgufFile f = parse(original)) {
            GgufFixtures.assertContent(f, values, tensors, 32);
            dataOffset = f.dataOffset();
            GgufTensorInfo last = f.tensors().getLast();
            requiredLength = dataOffset + last.offset() + last.byteSize();
        }
        assertTrue(requiredLength < original.length, "the fixture ends with padding, so truncating it there is harmless");

        u64Fields = new ArrayList<>(List.of(8, 16));
        u32Fields = new ArrayList<>(List.of(4));
        for (Map.Entry<String, GgufValue> kv : values.entrySet()) {
            int keyAt = stringField(kv.getKey());
            u64Fields.add(keyAt);
            int keyEnd = keyAt + 8 + utf8(kv.getKey()).length;
            u32Fields.add(keyEnd);
            if (kv.getValue().value() instanceof GgufArray a) {
                u32Fields.add(keyEnd + 4);
                u64Fields.add(keyEnd + 8);
                if (a.elements() instanceof String[] strings) {
                    for (String s : strings) {
                        u64Fields.add(stringField(s));
                    }
                }
            } else if (kv.getValue().value() instanceof String s) {
                u64Fields.add(stringField(s));
            }
        }
        for (GgufFixtures.Tensor t : tensors) {
            int nameAt = stringField(t.name());
            u64Fields.add(nameAt);
            int nameEnd = nameAt + 8 + utf8(t.name()).length;
            u32Fields.add(nameEnd);
            int at = nameEnd + 4;
            for (int j = 0; j < t.shape().length; j++, at += 8) {
                u64Fields.add(at);
            }
            u32Fields.add(at);
            u64Fields.add(at + 4);
        }
        assertTrue(u64Fields.size() == 40 && u32Fields.size() == 22, "the field map found the fixture's fields");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The offset of the first u64 length prefix followed by this string's bytes. */
    private static int stringField(String s) {
        byte[] want = ByteBuffer.allocate(8 + utf8(s).length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(utf8(s).length).put(utf8(s)).array();
        outer:
        for (int i = 0; i + want.length <= original.length; i++) {
            for (int j = 0; j < want.length; j++) {
                if (original[i + j] != want[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("fixture string not found: " + s);
    }

    private static GgufFile parse(byte[] bytes) throws GgufFormatException {
        return GgufFile.parse(MemorySegment.ofArray(bytes), NAME);
    }

    /** Opens the damaged bytes; true if they opened (and every tensor could be sliced), false on a format error. */
    private static boolean opens(MemorySegment bytes, String damage) {
        try (GgufFile f = GgufFile.parse(bytes, NAME)) {
            for (GgufTensorInfo t : f.tensors()) {
                f.data(t).get(ValueLayout.JAVA_BYTE, t.byteSize() - 1);
            }
            f.metadata().asMap().values().forEach(String::valueOf);
            return true;
        } catch (GgufFormatException e) {
            if (e.offset() < 0 || e.offset() > bytes.byteSize() || e.field() == null || e.field().isEmpty()) {
                fail(damage + ": format error with a bad field or offset: " + e.getMessage());
            }
            return false;
        } catch (Throwable t) {
            return fail(damage + ": " + t + " instead of a GgufFormatException", t);
        }
    }

    @Test
    void truncationAtEveryByteIsAFormatErrorUntilTheLastTensorIsComplete() {
        MemorySegment whole = MemorySegment.ofArray(original);
        assertTimeoutPreemptively(BATCH_LIMIT, () -> {
            for (long length = 0; length <= original.length; length++) {
                boolean opened = opens(whole.asSlice(0, length), "truncated to " + length + " bytes");
                assertEquals(length >= requiredLength, opened, "truncated to " + length + " bytes");
            }
        });
    }

    @Test
    void truncationErrorsSayWhereTheFileEnds() {
        long cut = dataOffset - 1;
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> GgufFile.parse(MemorySegment.ofArray(original).asSlice(0, cut), NAME));
        assertTrue(e.getMessage().contains("data section") && e.getMessage().contains("(" + cut + " bytes)"), e.getMessage());
    }

    @Test
    void tenThousandSingleByteFlipsOpenOrFailCleanly() {
        byte[] bytes = original.clone();
        MemorySegment segment = MemorySegment.ofArray(bytes);
        Random random = new Random(20240601);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(BATCH_LIMIT, () -> {
            for (int i = 0; i < 10_000; i++) {
                int at = random.nextInt(bytes.length);
                byte was = bytes[at];
                bytes[at] ^= (byte) (1 + random.nextInt(255));
                boolean opened = opens(segment, "byte " + at + " " + was + " -> " + bytes[at]);
                if (at >= dataOffset) {
                    assertTrue(opened, "tensor data and padding are opaque, but a flip at " + at + " broke the file");
                }
                if (at < 4) {
                    assertTrue(!opened, "a damaged magic must not open");
                }
                outcomes[opened ? 1 : 0]++;
                bytes[at] = was;
            }
        });
        // Sanity of the test itself: both outcomes happen, so flips do reach the structure.
        assertTrue(outcomes[0] > 500 && outcomes[1] > 500, "rejected " + outcomes[0] + ", opened " + outcomes[1]);
    }

    @Test
    void flipsInsideTheHeaderAndTablesOpenOrFailCleanly() {
        byte[] bytes = original.clone();
        MemorySegment segment = MemorySegment.ofArray(bytes);
        Random random = new Random(7);
        assertTimeoutPreemptively(BATCH_LIMIT, () -> {
            for (int i = 0; i < 10_000; i++) {
                int flips = 1 + random.nextInt(4);
                int[] at = new int[flips];
                byte[] was = new byte[flips];
                for (int k = 0; k < flips; k++) {
                    at[k] = random.nextInt((int) dataOffset);
                    was[k] = bytes[at[k]];
                    bytes[at[k]] = (byte) random.nextInt(256);
                }
                opens(segment, flips + " random bytes in the header at " + Arrays.toString(at));
                for (int k = flips - 1; k >= 0; k--) {
                    bytes[at[k]] = was[k];
                }
            }
        });
    }

    @Test
    void hugeValuesInLengthCountDimensionAndOffsetFieldsFailCleanly() {
        byte[] bytes = original.clone();
        MemorySegment segment = MemorySegment.ofArray(bytes);
        ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(99);
        assertTimeoutPreemptively(BATCH_LIMIT, () -> {
            for (int at : u64Fields) {
                long was = segment.get(u64, at);
                for (long v : HUGE) {
                    for (long value : new long[] {v, was + v, was - 1, was + 1, original.length - at, original.length - at - 7}) {
                        segment.set(u64, at, value);
                        opens(segment, "u64 at " + at + " = " + Long.toUnsignedString(value));
                    }
                }
                segment.set(u64, at, was);
            }
            for (int at : u32Fields) {
                int was = segment.get(u32, at);
                for (long v = -1; v < 64; v++) {
                    for (int value : new int[] {(int) v, 0x8000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 1 << 16}) {
                        segment.set(u32, at, value);
                        opens(segment, "u32 at " + at + " = " + Integer.toUnsignedString(value));
                    }
                }
                segment.set(u32, at, was);
            }
            // And anywhere, not only where fields start: 8 bytes of something large at a random offset.
            for (int i = 0; i < 5_000; i++) {
                int at = random.nextInt((int) dataOffset - 8);
                long was = segment.get(u64, at);
                long value = random.nextBoolean() ? HUGE[random.nextInt(HUGE.length)] : random.nextLong();
                segment.set(u64, at, value);
                opens(segment, "u64 at " + at + " = " + Long.toUnsignedString(value));
                segment.set(u64, at, was);
            }
        });
        assertEquals(-1, MemorySegment.ofArray(original).mismatch(segment), "every damage was undone");
    }
}
