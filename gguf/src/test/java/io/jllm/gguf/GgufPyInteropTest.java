package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.testing.OracleTools;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop with llama.cpp's own Python GGUF library, gguf-py: files jLLM writes read the same in
 * GGUFReader, files GGUFWriter writes read the same in jLLM, and llama.cpp's vocab files read the
 * same in both.
 *
 * <p>gguf-py, python3 and llama.cpp's source (for its vocab files) are found through {@link OracleTools}
 * (installed by {@code oracle/setup}).
 */
@Tag("oracle")
class GgufPyInteropTest {
    private static final int ALIGNMENT = 64;

    private static Path script;

    @TempDir
    Path dir;

    @BeforeAll
    static void copyScript(@TempDir Path scriptDir) throws Exception {
        script = scriptDir.resolve("gguf_py_oracle.py");
        try (InputStream in = GgufPyInteropTest.class.getResourceAsStream("gguf_py_oracle.py")) {
            Files.copy(in, script);
        }
    }

    /** Runs the oracle script; its stdout as lines. */
    private List<String> oracle(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        return OracleTools.python(command, dir).lines().toList();
    }

    /** The interop values with the alignment key where gguf-py's copy will put it too: after the architecture. */
    private static Map<String, GgufValue> values() {
        Map<String, GgufValue> values = new LinkedHashMap<>();
        GgufFixtures.interopValues().forEach((k, v) -> {
            values.put(k, v);
            if (k.equals("general.architecture")) {
                values.put("general.alignment", GgufValue.uint32(ALIGNMENT));
            }
        });
        return values;
    }

    private Path writeOurs(List<GgufFixtures.Tensor> tensors) throws IOException {
        Path file = dir.resolve("ours.gguf");
        GgufFixtures.writer(values(), tensors, ALIGNMENT).write(file);
        return file;
    }

    @Test
    void ggufPyReadsWhatJllmMeantToWrite() throws Exception {
        List<GgufFixtures.Tensor> tensors = GgufFixtures.everyTensorType(1);
        Path file = writeOurs(tensors);
        long dataOffset;
        try (GgufFile f = GgufFile.open(file)) {
            dataOffset = f.dataOffset();
        }
        // Expected from the inputs, not from reading the file back: offsets by the packing rule.
        GgufDescription expected = new GgufDescription().header(3, ALIGNMENT, dataOffset, true).metadata(values());
        long offset = 0;
        for (GgufFixtures.Tensor t : tensors) {
            expected.tensor(t.name(), t.type(), t.shape(), offset, MemorySegment.ofArray(t.bytes()));
            offset = (offset + t.bytes().length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }
        assertEquals(expected.lines(), oracle("describe", file.toString()));
    }

    @Test
    void jllmReadsWhatGgufPyWrites() throws Exception {
        List<GgufFixtures.Tensor> tensors = GgufFixtures.everyTensorType(2);
        Path ours = writeOurs(tensors);
        Path theirs = dir.resolve("theirs.gguf");
        oracle("copy", ours.toString(), theirs.toString());
        try (GgufFile f = GgufFile.open(theirs)) {
            GgufFixtures.assertContent(f, values(), tensors, ALIGNMENT);
            assertEquals(oracle("describe", theirs.toString()), GgufDescription.of(f));
        }
    }

    /** Vocab files that llama.cpp's converter wrote and its tokenizer tests use: real token and merge lists. */
    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-qwen2.gguf", "ggml-vocab-llama-spm.gguf"})
    void llamaCppVocabFilesReadTheSameInBoth(String name) throws Exception {
        Path file = OracleTools.home().resolve("llama.cpp/models").resolve(name);
        OracleTools.require(Files.isRegularFile(file), "llama.cpp's vocab file " + file + " (run oracle/setup)");
        try (GgufFile f = GgufFile.open(file)) {
            assertTrue(f.metadata().stringArray("tokenizer.ggml.tokens").length > 30_000);
            assertTrue(f.tensors().isEmpty());
            // Without tensors gguf-py pads the data offset past the end of these files and gguf.cpp
            // does not; GgufDescription leaves it out then, so leave out gguf-py's too.
            List<String> theirs = oracle("describe", file.toString()).stream()
                    .filter(line -> !line.startsWith("data_offset\t")).toList();
            assertEquals(theirs, GgufDescription.of(f));
        }
    }
}
