package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.gguf.GgmlType;
import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import io.jllm.gguf.testing.OracleTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * jLLM's dequantization of every tensor of a synthetic file equals, float for float, what
 * llama.cpp's own Python reference (gguf-py's gguf.quants.dequantize) gives: compared as the
 * sha256 of each tensor's float32 values, so a single differing bit fails.
 */
@Tag("oracle")
class DequantizeOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path scratch;

    @ParameterizedTest
    @EnumSource(Ftype.class)
    void everyTensorMatchesGgufPy(Ftype ftype) throws Exception {
        Path model = SyntheticModels.cached(ModelPreset.TINY, ftype, 42);
        JsonNode theirs = JSON.readTree(OracleTools.python(
                List.of(OracleTools.script("gguf_dequant.py").toString(), model.toString()), scratch));
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        try (GgufFile file = GgufFile.open(model)) {
            assertEquals(file.tensors().size(), theirs.get("tensors").size());
            for (JsonNode t : theirs.get("tensors")) {
                GgufTensorInfo info = file.tensor(t.get("name").asText()).orElseThrow();
                assertEquals(t.get("sha256").asText(), sha256(file, info), info + " dequantizes differently");
                seen.add(info.type());
            }
        }
        assertTrue(seen.contains(GgmlType.F32), "norms are F32");
        System.out.println(ftype + ": every tensor identical to gguf-py; types " + seen);
    }

    private static String sha256(GgufFile file, GgufTensorInfo info) throws Exception {
        int n = (int) info.elementCount();
        float[] values = new float[n];
        info.type().codec().dequantize(file.data(info), 0, values, 0, n);
        ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    }
}
