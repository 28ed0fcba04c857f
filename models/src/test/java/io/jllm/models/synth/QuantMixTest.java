package io.jllm.models.synth;

import static io.jllm.models.synth.QuantMix.typeFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jllm.gguf.GgmlType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per llama-quantize rule that QuantMix reproduces (src/llama-quant.cpp). */
class QuantMixTest {
    private static final long[] MATRIX = {1024, 2048};
    private static final long[] EMBD = {1024, 151_936};

    @Test
    void vectorsStayF32InEveryFtype() {
        for (Ftype f : Ftype.values()) {
            assertEquals(GgmlType.F32, typeFor(f, TensorRole.ATTN_NORM, new long[] {1024}, 0, 28, false));
            assertEquals(GgmlType.F32, typeFor(f, TensorRole.ATTN_Q_NORM, new long[] {128}, 0, 28, false));
            assertEquals(GgmlType.F32, typeFor(f, TensorRole.OUTPUT_NORM, new long[] {1024}, -1, 28, false));
        }
    }

    @Test
    void floatFtypesGiveEveryMatrixTheirType() {
        for (TensorRole role : List.of(TensorRole.TOKEN_EMBD, TensorRole.ATTN_V, TensorRole.FFN_DOWN, TensorRole.OUTPUT)) {
            assertEquals(GgmlType.F16, typeFor(Ftype.F16, role, MATRIX, 0, 28, false));
            assertEquals(GgmlType.F32, typeFor(Ftype.F32, role, MATRIX, 0, 28, false));
        }
    }

    @Test
    void tiedTokenEmbeddingIsTreatedAsTheOutputAndGetsQ6K() {
        assertEquals(GgmlType.Q6_K, typeFor(Ftype.Q4_K_M, TensorRole.TOKEN_EMBD, EMBD, -1, 28, false));
        assertEquals(GgmlType.Q6_K, typeFor(Ftype.Q4_0, TensorRole.TOKEN_EMBD, EMBD, -1, 28, false));
    }

    @Test
    void q8FilesKeepQ8ForTheOutputProjection() {
        assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q8_0, TensorRole.TOKEN_EMBD, EMBD, -1, 28, false));
        assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q8_0, TensorRole.OUTPUT, EMBD, -1, 28, true));
    }

    @Test
    void withASeparateOutputTheTokenEmbeddingKeepsTheDefaultType() {
        assertEquals(GgmlType.Q6_K, typeFor(Ftype.Q4_K_M, TensorRole.OUTPUT, EMBD, -1, 28, true));
        assertEquals(GgmlType.Q4_K, typeFor(Ftype.Q4_K_M, TensorRole.TOKEN_EMBD, EMBD, -1, 28, true));
        assertEquals(GgmlType.Q4_0, typeFor(Ftype.Q4_0, TensorRole.TOKEN_EMBD, EMBD, -1, 28, true));
    }

    @Test
    void outputWithRowsNotWholeBlocksOfTheDefaultTypeGetsQ8() {
        // 1056 = 33 blocks of 32 but not whole blocks of 256: Q4_K_M's output projection becomes Q8_0...
        assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q4_K_M, TensorRole.TOKEN_EMBD, new long[] {1024 + 32, 5000}, -1, 28, false));
        // ...and a row length that is not a multiple of 32 ends at F16
        assertEquals(GgmlType.F16, typeFor(Ftype.Q4_K_M, TensorRole.TOKEN_EMBD, new long[] {1000, 5000}, -1, 28, false));
    }

    @Test
    void q4kmGivesQ6KToAttnVAndFfnDownOnTheLayersUseMoreBitsPicks() {
        List<Integer> q6 = new ArrayList<>();
        for (int layer = 0; layer < 28; layer++) {
            GgmlType v = typeFor(Ftype.Q4_K_M, TensorRole.ATTN_V, new long[] {1024, 1024}, layer, 28, false);
            GgmlType down = typeFor(Ftype.Q4_K_M, TensorRole.FFN_DOWN, new long[] {3072, 1024}, layer, 28, false);
            assertEquals(v, down, "layer " + layer);
            if (v == GgmlType.Q6_K) {
                q6.add(layer);
            } else {
                assertEquals(GgmlType.Q4_K, v);
            }
        }
        // first eighth (0-2), last eighth (24-27), and every third layer from 5
        assertEquals(List.of(0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27), q6);
    }

    @Test
    void useMoreBitsOnTwoLayersPicksTheLast() {
        assertEquals(false, QuantMix.useMoreBits(0, 2));
        assertEquals(true, QuantMix.useMoreBits(1, 2));
    }

    @Test
    void otherMatricesGetTheFtypesType() {
        for (TensorRole role : List.of(TensorRole.ATTN_Q, TensorRole.ATTN_K, TensorRole.ATTN_OUTPUT, TensorRole.FFN_GATE,
                TensorRole.FFN_UP)) {
            assertEquals(GgmlType.Q4_K, typeFor(Ftype.Q4_K_M, role, MATRIX, 0, 28, false));
            assertEquals(GgmlType.Q4_0, typeFor(Ftype.Q4_0, role, MATRIX, 0, 28, false));
            assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q8_0, role, MATRIX, 0, 28, false));
        }
        // Q4_0 has no use_more_bits rule (only with an importance matrix)
        assertEquals(GgmlType.Q4_0, typeFor(Ftype.Q4_0, TensorRole.FFN_DOWN, new long[] {3072, 1024}, 0, 28, false));
        assertEquals(GgmlType.Q4_0, typeFor(Ftype.Q4_0, TensorRole.ATTN_V, MATRIX, 0, 28, false));
    }

    @Test
    void rowsNotWholeSuperBlocksFallBackLikeLlamaQuantize() {
        long[] odd = {1024 + 32, 64};
        assertEquals(GgmlType.Q5_0, typeFor(Ftype.Q4_K_M, TensorRole.ATTN_Q, odd, 3, 28, false));
        assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q4_K_M, TensorRole.FFN_DOWN, odd, 0, 28, false));
        long[] notEven32 = {1000, 64};
        assertEquals(GgmlType.F16, typeFor(Ftype.Q4_K_M, TensorRole.ATTN_Q, notEven32, 3, 28, false));
        assertEquals(GgmlType.F16, typeFor(Ftype.Q8_0, TensorRole.ATTN_Q, notEven32, 3, 28, false));
        assertEquals(GgmlType.Q8_0, typeFor(Ftype.Q8_0, TensorRole.ATTN_Q, odd, 3, 28, false));
    }
}
