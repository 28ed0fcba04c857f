package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Metadata and tensors that exercise every GGUF value type and ggml type, and checks on what is read back. */
final class GgufFixtures {
    record Tensor(String name, GgmlType type, long[] shape, byte[] bytes) {
    }

    private GgufFixtures() {
    }

    /** Values every GGUF reader handles: no empty or nested arrays (gguf-py can write neither), no NaN. */
    static Map<String, GgufValue> interopValues() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("qwen3"));
        m.put("test.uint8", GgufValue.of(GgufValueType.UINT8, 255));
        m.put("test.int8", GgufValue.of(GgufValueType.INT8, -128));
        m.put("test.uint16", GgufValue.of(GgufValueType.UINT16, 65535));
        m.put("test.int16", GgufValue.of(GgufValueType.INT16, -32768));
        m.put("test.uint32", GgufValue.uint32(0xFFFF_FFFFL));
        m.put("test.int32", GgufValue.int32(Integer.MIN_VALUE));
        m.put("test.float32", GgufValue.float32(-0.0f));
        m.put("test.float32.small", GgufValue.float32(Float.MIN_VALUE));
        m.put("test.bool.true", GgufValue.bool(true));
        m.put("test.bool.false", GgufValue.bool(false));
        m.put("test.string.empty", GgufValue.string(""));
        m.put("test.string.unicode", GgufValue.string("héllo wörld ✓ 🙂 日本語 \u0000 end"));
        m.put("test.uint64.high", GgufValue.uint64(0x8000_0000_0000_0001L));
        m.put("test.int64", GgufValue.of(GgufValueType.INT64, Long.MIN_VALUE));
        m.put("test.float64", GgufValue.float64(-1.2345678901234567e300));
        m.put("test.float64.inf", GgufValue.float64(Double.POSITIVE_INFINITY));
        m.put("arr.uint8", GgufValue.array(new GgufArray(GgufValueType.UINT8, new long[] {0, 1, 255})));
        m.put("arr.int8", GgufValue.array(new GgufArray(GgufValueType.INT8, new long[] {-128, 0, 127})));
        m.put("arr.uint16", GgufValue.array(new GgufArray(GgufValueType.UINT16, new long[] {0, 65535})));
        m.put("arr.int16", GgufValue.array(new GgufArray(GgufValueType.INT16, new long[] {-32768, 32767})));
        m.put("arr.uint32", GgufValue.array(new GgufArray(GgufValueType.UINT32, new long[] {0, 0xFFFF_FFFFL})));
        m.put("arr.int32", GgufValue.array(GgufArray.ofInt32(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE)));
        m.put("arr.uint64", GgufValue.array(new GgufArray(GgufValueType.UINT64, new long[] {0, -1L, 1L << 63})));
        m.put("arr.int64", GgufValue.array(new GgufArray(GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE})));
        m.put("arr.float32", GgufValue.array(GgufArray.ofFloat32(1.5f, -0.0f, Float.NEGATIVE_INFINITY, 3e-40f)));
        m.put("arr.float64", GgufValue.array(new GgufArray(GgufValueType.FLOAT64, new double[] {Math.PI, -0.0, 1e-310})));
        m.put("arr.bool", GgufValue.array(new GgufArray(GgufValueType.BOOL, new boolean[] {true, false, true})));
        m.put("arr.string", GgufValue.array(GgufArray.ofStrings("a", "", "ĠHello", "日本", "🙂", "x y\nz")));
        return m;
    }

    /** {@link #interopValues()} plus what only some readers take: empty arrays, arrays of arrays, NaN payloads. */
    static Map<String, GgufValue> everyValue() {
        Map<String, GgufValue> m = interopValues();
        m.put("test.float32.nan", GgufValue.float32(Float.intBitsToFloat(0x7FC0_1234)));
        for (GgufValueType t : GgufValueType.values()) {
            m.put("arr.empty." + t.name().toLowerCase(), GgufValue.array(emptyArray(t)));
        }
        GgufArray ints = GgufArray.ofInt32(1, 2, 3);
        GgufArray strings = GgufArray.ofStrings("x", "", "ÿ");
        m.put("arr.nested", GgufValue.array(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {ints, strings, emptyArray(GgufValueType.BOOL)})));
        GgufArray level2 = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {ints, ints});
        m.put("arr.nested3", GgufValue.array(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {level2, emptyArray(GgufValueType.ARRAY), level2})));
        return m;
    }

    static GgufArray emptyArray(GgufValueType t) {
        Object elements = switch (t) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> new long[0];
            case FLOAT32 -> new float[0];
            case FLOAT64 -> new double[0];
            case BOOL -> new boolean[0];
            case STRING -> new String[0];
            case ARRAY -> new GgufArray[0];
        };
        return new GgufArray(t, elements);
    }

    /** One tensor of every ggml type, random bytes of the right size, two rows of two blocks by three. */
    static List<Tensor> everyTensorType(long seed) {
        Random random = new Random(seed);
        List<Tensor> tensors = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            long[] shape = {2L * type.blockSize(), 3};
            byte[] bytes = new byte[(int) type.byteSize(shape[0] * shape[1])];
            random.nextBytes(bytes);
            tensors.add(new Tensor("blk.0." + type.name().toLowerCase() + ".weight", type, shape, bytes));
        }
        return tensors;
    }

    static GgufWriter writer(Map<String, GgufValue> values, List<Tensor> tensors, int alignment) {
        GgufWriter w = new GgufWriter();
        if (!values.containsKey("general.alignment")) {
            w.alignment(alignment);
        }
        values.forEach(w::put);
        for (Tensor t : tensors) {
            w.tensor(t.name(), t.type(), t.shape(), dst -> MemorySegment.copy(MemorySegment.ofArray(t.bytes()), 0, dst, 0, dst.byteSize()));
        }
        return w;
    }

    /** Asserts the file holds exactly these keys in this order with these values, and these tensors and bytes. */
    static void assertContent(GgufFile file, Map<String, GgufValue> values, List<Tensor> tensors, int alignment) {
        // writer() sets the alignment first unless the values hold it, so its key (written only
        // when not 32) comes first.
        Map<String, GgufValue> expected = new LinkedHashMap<>();
        if (alignment != GgufFile.DEFAULT_ALIGNMENT && !values.containsKey("general.alignment")) {
            expected.put("general.alignment", GgufValue.uint32(alignment));
        }
        expected.putAll(values);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(file.metadata().keys()), "key order");
        assertEquals(expected, file.metadata().asMap());
        assertEquals(alignment, file.alignment());
        assertEquals(0, file.dataOffset() % alignment, "data section aligned");
        assertEquals(tensors.size(), file.tensors().size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor want = tensors.get(i);
            GgufTensorInfo got = file.tensors().get(i);
            assertEquals(want.name(), got.name());
            assertEquals(want.type(), got.type());
            assertArrayEquals(want.shape(), got.shape());
            assertEquals(want.bytes().length, got.byteSize());
            assertEquals(0, got.offset() % alignment, got.name() + " aligned");
            assertEquals(-1, MemorySegment.ofArray(want.bytes()).mismatch(file.data(got)), got.name() + " bytes");
        }
    }
}
