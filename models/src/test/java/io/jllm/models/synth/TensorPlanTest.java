package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jllm.gguf.GgmlType;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorPlanTest {
    @Test
    void qwen3SmallestHasTheRealTensorsInLlamaQuantizeOrder() {
        List<PlannedTensor> plan = TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M);
        assertEquals(2 + 28 * 11, plan.size());
        assertEquals(List.of("output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight",
                "blk.0.attn_k_norm.weight", "blk.0.attn_norm.weight", "blk.0.attn_output.weight", "blk.0.attn_q.weight",
                "blk.0.attn_q_norm.weight", "blk.0.attn_v.weight", "blk.0.ffn_down.weight", "blk.0.ffn_gate.weight",
                "blk.0.ffn_norm.weight", "blk.0.ffn_up.weight", "blk.1.attn_k.weight"),
                plan.subList(0, 14).stream().map(PlannedTensor::name).toList());
        // layers in numeric order: blk.2 before blk.10, unlike a plain string sort
        assertEquals("blk.2.attn_k.weight", plan.get(2 + 2 * 11).name());
        assertEquals("blk.27.ffn_up.weight", plan.getLast().name());
        assertFalse(plan.stream().anyMatch(t -> t.name().equals("output.weight")), "tied: no output.weight");
    }

    @Test
    void shapesAreInGgmlOrderAsLlamaCppCreatesThem() {
        Map<String, PlannedTensor> byName = byName(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.F16));
        assertArrayEquals(new long[] {1024, 151_936}, byName.get("token_embd.weight").shape());
        assertArrayEquals(new long[] {1024}, byName.get("output_norm.weight").shape());
        assertArrayEquals(new long[] {1024}, byName.get("blk.5.attn_norm.weight").shape());
        assertArrayEquals(new long[] {1024, 2048}, byName.get("blk.5.attn_q.weight").shape());
        assertArrayEquals(new long[] {1024, 1024}, byName.get("blk.5.attn_k.weight").shape());
        assertArrayEquals(new long[] {1024, 1024}, byName.get("blk.5.attn_v.weight").shape());
        assertArrayEquals(new long[] {2048, 1024}, byName.get("blk.5.attn_output.weight").shape());
        assertArrayEquals(new long[] {128}, byName.get("blk.5.attn_q_norm.weight").shape());
        assertArrayEquals(new long[] {128}, byName.get("blk.5.attn_k_norm.weight").shape());
        assertArrayEquals(new long[] {1024}, byName.get("blk.5.ffn_norm.weight").shape());
        assertArrayEquals(new long[] {1024, 3072}, byName.get("blk.5.ffn_gate.weight").shape());
        assertArrayEquals(new long[] {1024, 3072}, byName.get("blk.5.ffn_up.weight").shape());
        assertArrayEquals(new long[] {3072, 1024}, byName.get("blk.5.ffn_down.weight").shape());
    }

    @Test
    void q4kmTypeCountsMatchLlamaQuantizeForTheSmallestQwen3() {
        Map<GgmlType, Integer> counts = counts(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M));
        assertEquals(Map.of(GgmlType.F32, 1 + 28 * 4, GgmlType.Q4_K, 28 * 5 + 14 + 14, GgmlType.Q6_K, 1 + 14 + 14), counts);
    }

    @Test
    void eachFtypesMixForTheSmallestQwen3() {
        assertEquals(Map.of(GgmlType.F32, 113, GgmlType.Q8_0, 197), counts(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.Q8_0)));
        assertEquals(Map.of(GgmlType.F32, 113, GgmlType.Q4_0, 196, GgmlType.Q6_K, 1),
                counts(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.Q4_0)));
        assertEquals(Map.of(GgmlType.F32, 113, GgmlType.F16, 197), counts(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.F16)));
        assertEquals(Map.of(GgmlType.F32, 310), counts(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.F32)));
    }

    @Test
    void tinyQ4kmPutsQ6KOnItsLastLayer() {
        Map<String, PlannedTensor> byName = byName(TensorPlan.of(ModelPreset.TINY, Ftype.Q4_K_M));
        assertEquals(2 + 2 * 11, byName.size());
        assertEquals(GgmlType.Q6_K, byName.get("token_embd.weight").type());
        assertEquals(GgmlType.Q4_K, byName.get("blk.0.attn_v.weight").type());
        assertEquals(GgmlType.Q4_K, byName.get("blk.0.ffn_down.weight").type());
        assertEquals(GgmlType.Q6_K, byName.get("blk.1.attn_v.weight").type());
        assertEquals(GgmlType.Q6_K, byName.get("blk.1.ffn_down.weight").type());
        assertArrayEquals(new long[] {256, 256}, byName.get("blk.1.attn_q.weight").shape());
        assertArrayEquals(new long[] {256, 128}, byName.get("blk.1.attn_k.weight").shape());
        assertArrayEquals(new long[] {64}, byName.get("blk.1.attn_k_norm.weight").shape());
    }

    @Test
    void sizesFollowFromTypeAndShape() {
        PlannedTensor embd = byName(TensorPlan.of(ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M)).get("token_embd.weight");
        assertEquals(4 * 210, embd.rowBytes()); // 1024 = 4 Q6_K blocks of 210 bytes
        assertEquals(151_936L * 840, embd.byteSize());
    }

    private static Map<String, PlannedTensor> byName(List<PlannedTensor> plan) {
        Map<String, PlannedTensor> m = new java.util.HashMap<>();
        plan.forEach(t -> m.put(t.name(), t));
        return m;
    }

    private static Map<GgmlType, Integer> counts(List<PlannedTensor> plan) {
        Map<GgmlType, Integer> m = new EnumMap<>(GgmlType.class);
        plan.forEach(t -> m.merge(t.type(), 1, Integer::sum));
        return m;
    }
}
