package io.jllm.bench.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.bench.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixture is the real output of the native build (de3ff81):
 * {@code llama-bench -m tiny-q4_0.gguf -t 2 -p 64 -n 16 -r 1 -o json} on the synthetic tiny Q4_0 model.
 */
class LlamaBenchTest {
    private static final String OUTPUT = Fixtures.text("llama-bench-tiny-q4_0.json");

    @Test
    void parsesBothTestsOfARealRun() {
        List<LlamaBench.Test> tests = LlamaBench.parse(OUTPUT);
        assertEquals(2, tests.size());
        LlamaBench.Test pp = tests.get(0);
        assertTrue(pp.isPrompt());
        assertEquals(64, pp.nPrompt());
        assertEquals(2, pp.threads());
        assertEquals(887.241725, pp.avgTokensPerSecond(), 1e-9);
        assertEquals("de3ff81", pp.buildCommit());
        assertEquals(32797440L, pp.modelSize());
        LlamaBench.Test tg = tests.get(1);
        assertTrue(tg.isGeneration());
        assertEquals(16, tg.nGen());
        assertEquals(11.430492, tg.avgTokensPerSecond(), 1e-9);
    }

    @Test
    void figuresPickPpAndTg() {
        LlamaBench.Figures f = LlamaBench.figures(LlamaBench.parse(OUTPUT));
        assertEquals(887.241725, f.pp(), 1e-9);
        assertEquals(11.430492, f.tg(), 1e-9);
        assertEquals("de3ff81", f.buildCommit());
    }

    @Test
    void aRunWithoutTgLeavesItMissing() {
        String ppOnly = "[{\"n_prompt\": 512, \"n_gen\": 0, \"n_threads\": 2, \"avg_ts\": 140.5}]";
        LlamaBench.Figures f = LlamaBench.figures(LlamaBench.parse(ppOnly));
        assertEquals(140.5, f.pp(), 0);
        assertTrue(Double.isNaN(f.tg()));
    }

    @Test
    void nonJsonOutputNamesTheLikelyCause() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBench.parse("| model | size | params | backend | threads | test | t/s |"));
        assertTrue(e.getMessage().contains("-o json"), e.getMessage());
    }

    @Test
    void aJsonObjectInsteadOfAnArrayIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBench.parse("{\"n_prompt\": 1}"));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }

    @Test
    void aMissingFieldIsNamedWithItsTest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBench.parse("[{\"n_prompt\": 512, \"n_gen\": 0, \"n_threads\": 2}]"));
        assertTrue(e.getMessage().contains("test 0") && e.getMessage().contains("avg_ts"), e.getMessage());
    }

    @Test
    void commandIsWhatTheResultsFileDocuments() {
        assertEquals(List.of("/bin/llama-bench", "-m", "m.gguf", "-t", "2", "-p", "512", "-n", "128", "-r", "1", "-o",
                "json"), LlamaBench.command(Path.of("/bin/llama-bench"), Path.of("m.gguf"), 2, 512, 128));
    }
}
