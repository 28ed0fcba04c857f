package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * <p>gguf-py is found through the system property {@code jllm.gguf.py} or the environment variable
 * {@code JLLM_GGUF_PY} (the gguf-py folder of a llama.cpp checkout), default
 * {@code /work/llama.cpp/gguf-py}; the test skips itself where it or python3 with numpy is missing.
 */
@Tag("oracle")
class GgufPyInteropTest {
    private static final long PYTHON_TIMEOUT_SECONDS = 600;
    private static final int ALIGNMENT = 64;

    private static Path ggufPy;
    private static Path script;

    @TempDir
    Path dir;

    @BeforeAll
    static void findGgufPy(@TempDir Path scriptDir) throws Exception {
        String configured = System.getProperty("jllm.gguf.py", System.getenv("JLLM_GGUF_PY"));
        ggufPy = Path.of(configured != null ? configured : "/work/llama.cpp/gguf-py");
        assumeTrue(Files.isRegularFile(ggufPy.resolve("gguf/__init__.py")), "gguf-py not found at " + ggufPy
                + "; set -Djllm.gguf.py or JLLM_GGUF_PY to llama.cpp's gguf-py folder");
        script = scriptDir.resolve("gguf_py_oracle.py");
        try (InputStream in = GgufPyInteropTest.class.getResourceAsStream("gguf_py_oracle.py")) {
            Files.copy(in, script);
        }
        Process probe;
        try {
            probe = python(scriptDir, "-c", "import gguf, numpy").start();
        } catch (IOException e) {
            assumeTrue(false, "python3 not found: " + e.getMessage());
            return;
        }
        assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 cannot import gguf and numpy");
    }

    private static ProcessBuilder python(Path workDir, String... args) {
        List<String> command = new ArrayList<>(List.of("python3"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().put("PYTHONPATH", ggufPy.toString());
        return pb;
    }

    /** Runs the oracle script; its stdout as lines. Output goes to files so a chatty process cannot block on a full pipe. */
    private List<String> oracle(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "oracle", ".out");
        Path err = Files.createTempFile(dir, "oracle", ".err");
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process p = python(dir, command.toArray(String[]::new))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(PYTHON_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("gguf-py oracle timed out: " + command);
        }
        assertEquals(0, p.exitValue(), () -> "gguf-py oracle failed: " + command + "\n" + read(err));
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
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
        Path file = ggufPy.resolveSibling("models").resolve(name);
        assumeTrue(Files.isRegularFile(file), file + " not found");
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
