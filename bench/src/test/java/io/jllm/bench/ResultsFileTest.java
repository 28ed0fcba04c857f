package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {
    @TempDir
    Path dir;

    @Test
    void aNewFileGetsTheHeaderAndTheSection() throws Exception {
        Path file = dir.resolve("sub/RESULTS.md");
        ResultsFile.write(file, "speed", "## Speed\n\n| a |\n");
        String text = Files.readString(file);
        assertTrue(text.startsWith("# jLLM benchmark results"), text);
        assertEquals("## Speed\n\n| a |", ResultsFile.section(text, "speed"));
    }

    @Test
    void rewritingASectionReplacesItInPlaceAndKeepsEverythingElse() throws Exception {
        Path file = dir.resolve("RESULTS.md");
        ResultsFile.write(file, "files", "## Files\nold figures");
        ResultsFile.write(file, "speed", "## Speed\nfirst");
        String withNote = Files.readString(file).replace("<!-- bench:speed -->",
                "A note written by hand.\n\n<!-- bench:speed -->");
        Files.writeString(file, withNote);

        ResultsFile.write(file, "files", "## Files\nnew figures");
        String text = Files.readString(file);
        assertEquals("## Files\nnew figures", ResultsFile.section(text, "files"));
        assertEquals("## Speed\nfirst", ResultsFile.section(text, "speed"));
        assertTrue(text.contains("A note written by hand."), text);
        assertTrue(!text.contains("old figures"), text);
        assertTrue(text.indexOf("bench:files") < text.indexOf("bench:speed"), "order kept: " + text);
        assertEquals(1, count(text, "<!-- bench:files -->"));
    }

    @Test
    void upsertAppendsAnAbsentSectionAfterABlankLine() {
        String text = ResultsFile.upsert("# Title\nintro", "soak", "body");
        assertEquals("# Title\nintro\n\n<!-- bench:soak -->\nbody\n<!-- /bench:soak -->\n", text);
    }

    @Test
    void aStartMarkerWithoutItsEndIsAClearErrorNotADeletion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsFile.upsert("<!-- bench:speed -->\nhalf a section", "speed", "new"));
        assertTrue(e.getMessage().contains("<!-- /bench:speed -->"), e.getMessage());
    }

    @Test
    void keysAreCheckedAndAbsentSectionsAreNull() {
        assertThrows(IllegalArgumentException.class, () -> ResultsFile.upsert("", "Speed Test", "x"));
        assertNull(ResultsFile.section("# nothing here", "speed"));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
