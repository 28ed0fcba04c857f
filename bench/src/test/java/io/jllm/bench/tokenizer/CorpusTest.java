package io.jllm.bench.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
    @TempDir
    Path dir;

    @Test
    void generatedPartsReachTheirSizeAndRepeatForTheSameSeed() throws Exception {
        Corpus a = Corpus.build(null, 0, 20_000, 7);
        Corpus b = Corpus.build(null, 0, 20_000, 7);
        assertEquals(List.of("English prose (generated)", "CJK (generated)", "code (generated)"),
                List.copyOf(a.parts().keySet()));
        for (String part : a.parts().keySet()) {
            assertTrue(Corpus.utf8Bytes(a.parts().get(part)) >= 20_000, part);
            assertEquals(a.parts().get(part), b.parts().get(part));
        }
        String cjk = String.join("", a.parts().get("CJK (generated)"));
        assertTrue(cjk.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN));
        assertTrue(cjk.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HANGUL));
        assertTrue(cjk.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HIRAGANA));
    }

    @Test
    void repositoryFilesJoinButBuildOutputAndBinariesDoNot() throws Exception {
        Files.writeString(dir.resolve("A.java"), "class A {}\n");
        Files.createDirectories(dir.resolve("target"));
        Files.writeString(dir.resolve("target/B.java"), "class B {}\n");
        Files.write(dir.resolve("C.java"), new byte[] {(byte) 0xC3, (byte) 0x28});
        Files.writeString(dir.resolve("README.md"), "# Title\n");
        Corpus c = Corpus.build(dir, 1_000_000, 1000, 1);
        assertEquals(List.of("class A {}\n"), c.parts().get("code (repository .java)"));
        assertEquals(List.of("# Title\n"), c.parts().get("docs (repository .md)"));
    }
}
