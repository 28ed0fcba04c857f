package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Qwen3MetadataTest {
    private static final Map<String, GgufValue> TOKENIZER = tokenizer();

    private static Map<String, GgufValue> tokenizer() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(151_645));
        return m;
    }

    @Test
    void hyperparametersComeFromThePresetWithTheConvertersTypes() {
        for (ModelPreset p : ModelPreset.all()) {
            Map<String, GgufValue> map = Qwen3Metadata.build(p, Ftype.Q4_K_M, 7, TOKENIZER);
            GgufMetadata m = new GgufMetadata(p.name(), map);
            assertEquals("qwen3", m.string("general.architecture"));
            assertUint32(map, "qwen3.block_count", p.blockCount());
            assertUint32(map, "qwen3.context_length", p.contextLength());
            assertUint32(map, "qwen3.embedding_length", p.embeddingLength());
            assertUint32(map, "qwen3.feed_forward_length", p.feedForwardLength());
            assertUint32(map, "qwen3.attention.head_count", p.headCount());
            assertUint32(map, "qwen3.attention.head_count_kv", p.headCountKv());
            assertUint32(map, "qwen3.attention.key_length", p.headDim());
            assertUint32(map, "qwen3.attention.value_length", p.headDim());
            assertEquals(GgufValue.float32(p.ropeFreqBase()), map.get("qwen3.rope.freq_base"));
            assertEquals(GgufValue.float32(p.rmsNormEps()), map.get("qwen3.attention.layer_norm_rms_epsilon"));
            assertEquals(p.sizeLabel(), m.string("general.size_label"));
        }
    }

    @Test
    void realQwen3SmallestValues() {
        GgufMetadata m = new GgufMetadata("x", Qwen3Metadata.build(ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M, 7, TOKENIZER));
        assertEquals(28, m.int32("qwen3.block_count"));
        assertEquals(40_960, m.int32("qwen3.context_length"));
        assertEquals(1_000_000f, m.float32("qwen3.rope.freq_base"));
        assertEquals(1e-6f, m.float32("qwen3.attention.layer_norm_rms_epsilon"));
    }

    @Test
    void keysComeInTheOrderOfConvertThenQuantize() {
        List<String> keys = new ArrayList<>(Qwen3Metadata.build(ModelPreset.TINY, Ftype.Q8_0, 7, TOKENIZER).keySet());
        assertEquals(List.of("general.architecture", "general.type", "general.name", "general.author",
                "general.description", "general.size_label", "jllm.synth.preset", "jllm.synth.seed", "jllm.synth.scheme",
                "qwen3.block_count", "qwen3.context_length", "qwen3.embedding_length", "qwen3.feed_forward_length",
                "qwen3.attention.head_count", "qwen3.attention.head_count_kv", "qwen3.rope.freq_base",
                "qwen3.attention.layer_norm_rms_epsilon", "qwen3.attention.key_length", "qwen3.attention.value_length",
                "tokenizer.ggml.model", "tokenizer.ggml.eos_token_id", "general.quantization_version",
                "general.file_type"), keys);
    }

    @Test
    void fileTypeAndQuantizationVersionFollowTheFtype() {
        for (Ftype f : Ftype.values()) {
            Map<String, GgufValue> map = Qwen3Metadata.build(ModelPreset.TINY, f, 7, TOKENIZER);
            assertUint32(map, "general.file_type", f.llamaFtype());
            assertUint32(map, "general.quantization_version", 2);
        }
    }

    @Test
    void provenanceSaysTheWeightsAreRandomAndHowTheyWereMade() {
        Map<String, GgufValue> map = Qwen3Metadata.build(ModelPreset.TINY, Ftype.F16, -1L, TOKENIZER);
        GgufMetadata m = new GgufMetadata("x", map);
        String description = m.string("general.description");
        assertTrue(description.startsWith("NOT A TRAINED MODEL: random weights"), description);
        assertTrue(description.contains("seed 18446744073709551615"), description);
        assertEquals(GgufValueType.UINT64, map.get("jllm.synth.seed").type());
        assertEquals(-1L, map.get("jllm.synth.seed").value());
        assertEquals("tiny", m.string("jllm.synth.preset"));
        assertEquals(WeightScheme.VERSION, m.string("jllm.synth.scheme"));
    }

    @Test
    void tokenizerMapsMayOnlyCarryTokenizerKeys() {
        Map<String, GgufValue> bad = Map.of("general.name", GgufValue.string("x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Qwen3Metadata.build(ModelPreset.TINY, Ftype.F16, 1, bad));
        assertTrue(e.getMessage().contains("general.name"));
    }

    private static void assertUint32(Map<String, GgufValue> map, String key, long value) {
        assertEquals(GgufValue.uint32(value), map.get(key), key);
    }
}
