package io.jllm.bench.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OpenOnceFiguresTest {
    @Test
    void whatTheChildPrintsTheParentReads() {
        OpenOnceCommand.Figures f = new OpenOnceCommand.Figures(42.125, 731.5);
        assertEquals(f, OpenOnceCommand.Figures.parse(f.format()));
    }

    @Test
    void anythingElseIsAnErrorQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenOnceCommand.Figures.parse("Exception in thread main"));
        assertEquals(true, e.getMessage().contains("Exception in thread main"));
    }
}
