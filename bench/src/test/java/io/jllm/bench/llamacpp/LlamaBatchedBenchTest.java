package io.jllm.bench.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.bench.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixture is the real standard output of the native build (de3ff81):
 * {@code llama-batched-bench -m tiny-q4_0.gguf -t 2 -c 2048 -npp 32 -ntg 8 -npl 1,2,4}.
 */
class LlamaBatchedBenchTest {
    private static final String OUTPUT = Fixtures.text("llama-batched-bench-tiny-q4_0.md");

    @Test
    void parsesEveryRowOfARealRun() {
        List<LlamaBatchedBench.Row> rows = LlamaBatchedBench.parse(OUTPUT);
        assertEquals(3, rows.size());
        assertEquals(List.of(1, 2, 4), rows.stream().map(LlamaBatchedBench.Row::b).toList());
        LlamaBatchedBench.Row two = rows.get(1);
        assertEquals(32, two.pp());
        assertEquals(8, two.tg());
        assertEquals(80, two.nKv());
        assertEquals(0.512, two.tPp(), 0);
        assertEquals(124.99, two.sPp(), 0);
        assertEquals(1.476, two.tTg(), 0);
        assertEquals(10.84, two.sTg(), 0);
        assertEquals(1.988, two.t(), 0);
        assertEquals(40.24, two.s(), 0);
    }

    @Test
    void columnsAreFoundByTheirHeadersNotTheirPlace() {
        String reordered = """
                | B | S_TG t/s | PP | TG | N_KV | T_PP s | S_PP t/s | T_TG s | T s | S t/s |
                |---|---|---|---|---|---|---|---|---|---|
                | 8 | 61.50 | 32 | 50 | 656 | 1.0 | 256.0 | 6.5 | 7.5 | 87.5 |
                """;
        LlamaBatchedBench.Row row = LlamaBatchedBench.parse(reordered).getFirst();
        assertEquals(8, row.b());
        assertEquals(61.5, row.sTg(), 0);
        assertEquals(32, row.pp());
    }

    @Test
    void outputWithoutATableIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBatchedBench.parse("main: error: failed to load model\n"));
        assertTrue(e.getMessage().contains("no table"), e.getMessage());
    }

    @Test
    void aHeaderWithoutS_TGIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBatchedBench.parse("| PP | TG | B |\n|---|---|---|\n| 1 | 2 | 3 |\n"));
        assertTrue(e.getMessage().contains("N_KV"), e.getMessage());
    }

    @Test
    void aBrokenRowNamesItsLine() {
        String broken = OUTPUT.replace("10.84", "n/a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaBatchedBench.parse(broken));
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void contextFitsTheLargestParallelCount() {
        // llama-batched-bench skips a B whose B * (npp + ntg) exceeds its context: 32 * 82 = 2624.
        assertEquals(4096, LlamaBatchedBench.context(32, 50, List.of(1, 2, 4, 8, 16, 32)));
        assertEquals(2048, LlamaBatchedBench.context(32, 50, List.of(8)));
        List<String> cmd = LlamaBatchedBench.command(Path.of("b"), Path.of("m.gguf"), 2, 32, 50, List.of(1, 8));
        assertEquals(List.of("b", "-m", "m.gguf", "-t", "2", "-c", "2048", "-npp", "32", "-ntg", "50", "-npl", "1,8"),
                cmd);
    }
}
