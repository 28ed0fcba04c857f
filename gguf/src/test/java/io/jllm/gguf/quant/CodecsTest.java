package io.jllm.gguf.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgmlType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecsTest {
    private static final Map<GgmlType, QuantCodec> EXPECTED = Map.of(
            GgmlType.F32, F32Block.INSTANCE,
            GgmlType.F16, F16Block.INSTANCE,
            GgmlType.BF16, BF16Block.INSTANCE,
            GgmlType.Q8_0, Q8_0Block.INSTANCE,
            GgmlType.Q4_0, Q4_0Block.INSTANCE,
            GgmlType.Q4_K, Q4KBlock.INSTANCE,
            GgmlType.Q6_K, Q6KBlock.INSTANCE,
            GgmlType.Q8_K, Q8KBlock.INSTANCE);

    @Test
    void eachSupportedTypeHasItsSingletonAndOthersHaveNone() {
        for (GgmlType type : GgmlType.values()) {
            QuantCodec codec = Codecs.forType(type);
            assertSame(EXPECTED.get(type), codec, type.name());
            if (codec != null) {
                assertEquals(type, codec.type());
                assertTrue(type.hasCodec());
                assertSame(codec, type.codec());
            } else {
                assertFalse(type.hasCodec());
            }
        }
        assertNull(Codecs.forType(null));
    }

    @Test
    void supportedListsTheTypesInIdOrder() {
        assertEquals("F32, F16, Q4_0, Q8_0, Q4_K, Q6_K, Q8_K, BF16", Codecs.supported());
    }

    @Test
    void missingCodecErrorNamesTypeAndAlternatives() {
        var e = assertThrows(UnsupportedOperationException.class, GgmlType.Q5_K::codec);
        assertTrue(e.getMessage().contains("Q5_K") && e.getMessage().contains("Q4_K, Q6_K"), e.getMessage());
    }

    /** The public layout constants are what the SIMD kernels will index with: they must add up to ggml's sizes. */
    @Test
    void layoutConstantsMatchGgmlSizes() {
        assertGeometry(GgmlType.F32, F32Block.BLOCK_SIZE, F32Block.BLOCK_BYTES);
        assertGeometry(GgmlType.F16, F16Block.BLOCK_SIZE, F16Block.BLOCK_BYTES);
        assertGeometry(GgmlType.BF16, BF16Block.BLOCK_SIZE, BF16Block.BLOCK_BYTES);
        assertGeometry(GgmlType.Q8_0, Q8_0Block.BLOCK_SIZE, Q8_0Block.BLOCK_BYTES);
        assertEquals(Q8_0Block.BLOCK_BYTES, Q8_0Block.OFFSET_QS + 32);
        assertGeometry(GgmlType.Q4_0, Q4_0Block.BLOCK_SIZE, Q4_0Block.BLOCK_BYTES);
        assertEquals(Q4_0Block.BLOCK_BYTES, Q4_0Block.OFFSET_QS + 16);
        assertGeometry(GgmlType.Q4_K, Q4KBlock.BLOCK_SIZE, Q4KBlock.BLOCK_BYTES);
        assertEquals(Q4KBlock.OFFSET_QS, Q4KBlock.OFFSET_SCALES + Q4KBlock.SCALES_BYTES);
        assertEquals(Q4KBlock.BLOCK_BYTES, Q4KBlock.OFFSET_QS + 128);
        assertGeometry(GgmlType.Q6_K, Q6KBlock.BLOCK_SIZE, Q6KBlock.BLOCK_BYTES);
        assertEquals(Q6KBlock.OFFSET_QH, Q6KBlock.OFFSET_QL + 128);
        assertEquals(Q6KBlock.OFFSET_SCALES, Q6KBlock.OFFSET_QH + 64);
        assertEquals(Q6KBlock.OFFSET_D, Q6KBlock.OFFSET_SCALES + 16);
        assertEquals(Q6KBlock.BLOCK_BYTES, Q6KBlock.OFFSET_D + 2);
        assertGeometry(GgmlType.Q8_K, Q8KBlock.BLOCK_SIZE, Q8KBlock.BLOCK_BYTES);
        assertEquals(Q8KBlock.OFFSET_BSUMS, Q8KBlock.OFFSET_QS + 256);
        assertEquals(Q8KBlock.BLOCK_BYTES, Q8KBlock.OFFSET_BSUMS + 2 * 16);
    }

    private static void assertGeometry(GgmlType type, int blockSize, int blockBytes) {
        assertEquals(type.blockSize(), blockSize, type.name());
        assertEquals(type.bytesPerBlock(), blockBytes, type.name());
    }
}
