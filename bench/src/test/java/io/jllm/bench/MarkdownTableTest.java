package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MarkdownTableTest {
    @Test
    void numbersAlignRightTextLeftAndColumnsPad() {
        String table = new MarkdownTable("engine", "t/s", "ratio")
                .row("jLLM", "123.4", "1.05x")
                .row("llama.cpp", Fmt.num(Double.NaN, 1), "—")
                .render();
        assertEquals("""
                | engine    |   t/s | ratio |
                |:----------|------:|------:|
                | jLLM      | 123.4 | 1.05x |
                | llama.cpp |     — |     — |
                """, table);
    }

    @Test
    void pipesInCellsAreEscaped() {
        assertTrue(new MarkdownTable("a").row("x|y").render().contains("x\\|y"));
    }

    @Test
    void aRowOfTheWrongWidthIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MarkdownTable("a", "b").row("only one"));
        assertTrue(e.getMessage().contains("1 cells"), e.getMessage());
    }

    @Test
    void formatting() {
        assertEquals("1.50x", Fmt.ratio(1.5));
        assertEquals("—", Fmt.ratio(Double.POSITIVE_INFINITY));
        assertEquals("1.0", Fmt.mib(1 << 20));
        assertEquals("yes", Fmt.meets(99, 100, false));
        assertEquals("no", Fmt.meets(0.9, 1.0, true));
        assertEquals("—", Fmt.meets(Double.NaN, 1.0, true));
    }
}
