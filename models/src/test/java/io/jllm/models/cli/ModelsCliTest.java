package io.jllm.models.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.models.ModelsCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: what it prints and its exit codes. */
class ModelsCliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ModelsCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void dryRunPrintsThePlanWithTypesAndTotals() {
        Run r = run("synth", "--preset", "qwen3-0.6b", "--ftype", "Q4_K_M", "--out", dir.resolve("x.gguf").toString(),
                "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("qwen3-0.6b: 28 layers, width 1024"), r.out());
        assertTrue(r.out().matches("(?s).*\\b2  token_embd\\.weight +Q6_K +1024 x 151936 +127,626,240 .*"), r.out());
        assertTrue(r.out().matches("(?s).*blk\\.27\\.ffn_down\\.weight +Q6_K +3072 x 1024 .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\ntotal +310 +596,049,920 .*"), r.out());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }

    @Test
    void anUnknownPresetListsTheValidOnes() {
        Run r = run("synth", "--preset", "qwen3-8b", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown preset 'qwen3-8b'; valid presets: qwen3-0.6b, tiny"), r.err());
    }

    @Test
    void anUnknownFtypeListsTheValidOnes() {
        Run r = run("synth", "--preset", "tiny", "--ftype", "Q5_K_M", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("valid ftypes: F32, F16, Q4_0, Q8_0, Q4_K_M"), r.err());
    }

    @Test
    void anOutputInAMissingDirectoryFailsBeforeAnyWork() {
        Path out = dir.resolve("no/such/dir/x.gguf");
        Run r = run("synth", "--preset", "tiny", "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("synth: error: cannot write " + out + ": directory " + out.getParent() + " does not exist\n",
                r.err().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void anOutputThatIsADirectoryIsRefused() {
        Run r = run("synth", "--preset", "tiny", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("it is a directory"), r.err());
    }

    @Test
    void zeroThreadsIsAUsageError() {
        Run r = run("synth", "--preset", "tiny", "--threads", "0", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--threads must be at least 1"), r.err());
    }

    @Test
    void inspectingAMissingFileSaysSo() {
        Path missing = dir.resolve("missing.gguf");
        Run r = run("inspect", missing.toString());
        assertEquals(1, r.code());
        assertEquals("inspect: error: " + missing + ": no such file", r.err().strip());
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : new String[][] {{"--help"}, {"synth", "--help"}, {"inspect", "--help"}, {"help", "synth"}}) {
            Run r = run(args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().startsWith("Usage: jllm models"), r.out());
        }
        assertTrue(run("synth", "--help").out().contains("--preset=<preset>     Model shape: qwen3-0.6b, tiny"));
    }

    @Test
    void synthWritesAFileThatInspectDescribes() {
        Path out = dir.resolve("tiny-f16.gguf");
        Run synth = run("synth", "--preset", "tiny", "--ftype", "F16", "--seed", "3", "--out", out.toString());
        assertEquals(0, synth.code(), synth.err());
        // not a terminal: plain progress lines on stderr, ending at 100%
        assertTrue(synth.err().contains("synth: 100%  24/24 tensors"), synth.err());
        assertTrue(synth.out().startsWith("wrote " + out + ": tiny F16, seed 3, 24 tensors"), synth.out());

        Run inspect = run("inspect", out.toString());
        assertEquals(0, inspect.code(), inspect.err());
        String text = inspect.out();
        assertTrue(text.startsWith(out + ": GGUF v3, "), text);
        assertTrue(text.contains("UINT32     general.file_type"), text);
        assertTrue(text.matches("(?s).*FLOAT32 +qwen3\\.rope\\.freq_base += 1000000\\.0\\n.*"), text);
        assertTrue(text.matches("(?s).*\\[STRING\\] +tokenizer\\.ggml\\.tokens += \\(151,936\\) \\[\"!\", \"\\\\\"\", .*"), text);
        assertTrue(text.contains("(4,116 chars)"), "the chat template is cut short");
        assertTrue(text.matches("(?s).*\\nF16 +15 +40,468,480 +80,936,960 +16\\.00\\n.*"), text);
        assertFalse(text.contains("blk.1.ffn_up.weight"), "no tensor list without --tensors");

        Run full = run("inspect", "--tensors", "--all-metadata", out.toString());
        assertTrue(full.out().matches("(?s).*\\n +24  blk\\.1\\.ffn_up\\.weight +F16 +256 x 768 +393,216 .*"), full.out());
        assertFalse(full.out().contains("(4,116 chars)"), "--all-metadata prints the whole template");
        assertTrue(full.out().contains("\"[PAD151935]\"]"), "--all-metadata prints whole arrays");
    }

    @Test
    void inspectingSomethingThatIsNotGgufNamesTheProblem() throws Exception {
        Path notGguf = dir.resolve("notes.txt");
        Files.writeString(notGguf, "hello, this is not a model file");
        Run r = run("inspect", notGguf.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("inspect: error: " + notGguf), r.err());
    }

    @Test
    void noCommandIsAUsageError() {
        Run r = run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing command"), r.err());
    }
}
