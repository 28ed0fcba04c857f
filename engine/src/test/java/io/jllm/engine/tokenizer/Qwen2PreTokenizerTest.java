package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Qwen2PreTokenizerTest {
    /**
     * The regex of Qwen's tokenizer.json in java.util.regex: the case-insensitive contractions
     * spelled out for ASCII (as llama.cpp and transformers.js match them), and UNICODE_CHARACTER_CLASS
     * so that \s is Unicode White_Space.
     */
    private static final Pattern QWEN2 = Pattern.compile(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Characters that exercise every branch: ASCII, apostrophes, spaces, newlines, letters, digits, marks. */
    private static final String ALPHABET = "aZs'tTrReEvVmMlLdD09 \t\r\n\u000B\f\u0085\u00A0\u3000\u2028"
            + ".,!?-_()<>|\"'é漢字かナ한ا١٣①Ⅻ²\u0301\u0300\u200B\uFEFF€$+=#@😀🇯👍🏽\uD835\uDC00\uD800\uDFFF";

    @Test
    void splitsLikeTheRegexOnRandomText() {
        SplittableRandom random = new SplittableRandom(42);
        int[] alphabet = ALPHABET.codePoints().filter(cp -> !Character.isSurrogate((char) cp) || cp > 0xFFFF)
                .toArray();
        for (int round = 0; round < 40_000; round++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + random.nextInt(random.nextInt(20) == 0 ? 300 : 24);
            for (int i = 0; i < n; i++) {
                b.appendCodePoint(random.nextInt(4) == 0 ? randomCodePoint(random) : alphabet[random.nextInt(alphabet.length)]);
            }
            String s = b.toString();
            assertEquals(regexPieces(s), scannerPieces(s), () -> Qwen3ParityTest.describe(s));
        }
    }

    @Test
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " world", "!"), scannerPieces("Hello, world!"));
        assertEquals(List.of("DON", "'T", " it", "'S"), scannerPieces("DON'T it'S"));
        assertEquals(List.of("1", "2", "3", ",", "0", "0", "0"), scannerPieces("123,000"));
        assertEquals(List.of("a", "  ", " b"), scannerPieces("a   b"));
        assertEquals(List.of("a", " \n\n", "  ", " b"), scannerPieces("a \n\n   b"));
        assertEquals(List.of("x", " ...\n\n", "y"), scannerPieces("x ...\n\ny"));
        assertEquals(List.of("trailing", "   "), scannerPieces("trailing   "));
        assertEquals(List.of("\tfoo", "(bar"), scannerPieces("\tfoo(bar"));
        assertEquals(List.of("'s", "am"), scannerPieces("'sam"));
        assertEquals(List.of("我想在apple工作", "1", "3"), scannerPieces("我想在apple工作13"));
        assertEquals(List.of("x", "\u0085", "!"), scannerPieces("x\u0085!"), "U+0085 is whitespace (White_Space)");
        assertEquals(List.of("x", "\uFEFF!"), scannerPieces("x\uFEFF!"), "U+FEFF is not whitespace");
        assertEquals(List.of("a", "\u1C89b"), scannerPieces("a\u1C89b"),
                "a Unicode 16 letter is unassigned, as in llama.cpp's tables");
    }

    /** Random code points from the whole range, skipping surrogates and Unicode 16's new letters and numbers. */
    private static int randomCodePoint(SplittableRandom random) {
        while (true) {
            int cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x3000);
            if (!Character.isSurrogate((char) cp) && !UnicodeClasses.isUnicode16Addition(cp)) {
                return cp;
            }
        }
    }

    static List<String> scannerPieces(String s) {
        List<String> pieces = new ArrayList<>();
        for (int pos = 0; pos < s.length(); ) {
            int end = Qwen2PreTokenizer.pieceEnd(s, pos, s.length());
            pieces.add(s.substring(pos, end));
            pos = end;
        }
        return pieces;
    }

    /** The regex's matches; the text between matches (there is none for this regex) would be pieces too. */
    private static List<String> regexPieces(String s) {
        List<String> pieces = new ArrayList<>();
        Matcher m = QWEN2.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                pieces.add(s.substring(last, m.start()));
            }
            pieces.add(m.group());
            last = m.end();
        }
        if (last < s.length()) {
            pieces.add(s.substring(last));
        }
        return pieces;
    }
}
