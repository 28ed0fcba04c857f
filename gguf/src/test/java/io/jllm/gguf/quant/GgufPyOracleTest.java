package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.quant.QuantTestData.Adversarial;
import io.jllm.gguf.quant.QuantTestData.Distribution;
import io.jllm.gguf.testing.OracleTools;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our codecs against gguf-py's ({@code gguf/quants.py} in llama.cpp), bit for bit: dequantization of random
 * valid blocks for every type gguf-py decodes, and quantization for every type it encodes. gguf-py and
 * {@code python3} are found through {@link OracleTools} (installed by {@code oracle/setup}).
 *
 * <p>One documented difference is excluded: for F16 NaNs, numpy keeps the NaN payload (and leaves a signalling
 * NaN signalling when decoding), while ggml's C conversion, which we follow, makes every NaN 0x7E00 and
 * quiets on decode. F16 NaNs are therefore only required to stay NaN.
 */
@Tag("oracle")
class GgufPyOracleTest {
    private static final String SCRIPT = "gguf_py_codec.py";
    /** Byte offsets of each type's fp16 scales, which random blocks get as finite values. */
    private static final Map<GgmlType, int[]> FP16_FIELDS = Map.of(
            GgmlType.Q8_0, new int[] {Q8_0Block.OFFSET_D},
            GgmlType.Q4_0, new int[] {Q4_0Block.OFFSET_D},
            GgmlType.Q4_K, new int[] {Q4KBlock.OFFSET_D, Q4KBlock.OFFSET_DMIN},
            GgmlType.Q6_K, new int[] {Q6KBlock.OFFSET_D});

    private static Path script;
    private static List<String> decodes = List.of();
    private static List<String> encodes = List.of();

    @TempDir
    static Path work;

    @BeforeAll
    static void askGgufPyWhatItCodes() throws Exception {
        script = work.resolve(SCRIPT);
        try (InputStream in = GgufPyOracleTest.class.getResourceAsStream(SCRIPT)) {
            Files.copy(in, script);
        }
        String supported = python("supported").strip();
        String[] parts = supported.split(";");
        decodes = List.of(parts[0].substring("dequantize:".length()).split(","));
        encodes = List.of(parts[1].substring("quantize:".length()).split(","));
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.values()).filter(GgmlType::hasCodec);
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizesRandomBlocksLikeGgufPy(GgmlType type) throws Exception {
        Assumptions.assumeTrue(decodes.contains(type.name()), "gguf-py does not dequantize " + type);
        int blocks = type.isQuantized() ? 200 : 8192;
        byte[] packed = randomBlocks(type, blocks, new Random(type.id()));
        Path in = work.resolve(type + ".blocks");
        Path out = work.resolve(type + ".floats");
        Files.write(in, packed);
        python("dequantize", type.name(), in.toString(), out.toString());
        float[] theirs = floats(Files.readAllBytes(out));
        float[] ours = new float[blocks * type.blockSize()];
        type.codec().dequantize(MemorySegment.ofArray(packed), 0, ours, 0, ours.length);
        assertEquals(ours.length, theirs.length, "element count");
        for (int i = 0; i < ours.length; i++) {
            if (type == GgmlType.F16 && Float.isNaN(ours[i]) && Float.isNaN(theirs[i])) {
                continue; // see class comment
            }
            int index = i;
            assertEquals(Float.floatToRawIntBits(theirs[i]), Float.floatToRawIntBits(ours[i]),
                    () -> type + " element " + index + " of block " + index / type.blockSize() + ": gguf-py "
                            + theirs[index] + ", ours " + ours[index]);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void quantizesLikeGgufPy(GgmlType type) throws Exception {
        Assumptions.assumeTrue(encodes.contains(type.name()), "gguf-py does not quantize " + type);
        float[] x = inputs(type);
        Path in = work.resolve(type + ".input");
        Path out = work.resolve(type + ".packed");
        Files.write(in, littleEndian(x));
        python("quantize", type.name(), in.toString(), out.toString());
        byte[] theirs = Files.readAllBytes(out);
        byte[] ours = QuantTestData.quantize(type.codec(), x).toArray(ValueLayout.JAVA_BYTE);
        assertEquals(ours.length, theirs.length, "byte count");
        for (int i = 0; i < ours.length; i++) {
            int index = i;
            assertEquals(theirs[i], ours[i], () -> type + " byte " + index + " (block " + index / type.bytesPerBlock()
                    + ", offset " + index % type.bytesPerBlock() + ")");
        }
    }

    /** Every statistical and adversarial input (finite ones: gguf-py warns on overflow), plus random bit patterns for the float types. */
    private static float[] inputs(GgmlType type) {
        List<float[]> parts = new ArrayList<>();
        for (Distribution d : Distribution.values()) {
            parts.add(QuantTestData.values(d, 32 * 256, 20 + d.ordinal()));
        }
        for (Adversarial a : Adversarial.values()) {
            parts.add(QuantTestData.values(a, 8 * 256, type.blockSize(), 40 + a.ordinal()));
        }
        if (!type.isQuantized()) {
            Random random = new Random(7);
            float[] bits = new float[8192];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = Float.intBitsToFloat(random.nextInt());
                if (type == GgmlType.F16 && Float.isNaN(bits[i])) {
                    bits[i] = 1f; // see class comment
                }
            }
            parts.add(bits);
        }
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        assertTrue(all.length % type.blockSize() == 0);
        return all;
    }

    /** Random bytes, with every fp16 scale a random finite value (zero and subnormals included). */
    private static byte[] randomBlocks(GgmlType type, int blocks, Random random) {
        byte[] packed = new byte[blocks * type.bytesPerBlock()];
        random.nextBytes(packed);
        for (int b = 0; b < blocks; b++) {
            for (int field : FP16_FIELDS.getOrDefault(type, new int[0])) {
                int exponent = random.nextInt(31); // 31 would be infinity or NaN
                int half = (random.nextBoolean() ? 0x8000 : 0) | exponent << 10 | random.nextInt(1024);
                packed[b * type.bytesPerBlock() + field] = (byte) half;
                packed[b * type.bytesPerBlock() + field + 1] = (byte) (half >> 8);
            }
        }
        return packed;
    }

    private static String python(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        return OracleTools.python(command, work);
    }

    private static byte[] littleEndian(float[] x) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : x) {
            buffer.putInt(Float.floatToRawIntBits(f));
        }
        return buffer.array();
    }

    private static float[] floats(byte[] bytes) {
        MemorySegment segment = MemorySegment.ofArray(bytes);
        float[] x = new float[bytes.length / 4];
        MemorySegment.copy(segment, F32Block.LAYOUT, 0, x, 0, x.length);
        return x;
    }
}
