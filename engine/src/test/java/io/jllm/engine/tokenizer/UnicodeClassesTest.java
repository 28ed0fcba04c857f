package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnicodeClassesTest {
    private static final java.util.regex.Pattern WHITE_SPACE = java.util.regex.Pattern.compile("\\p{IsWhite_Space}");

    @Test
    void unicode16AdditionsAreLettersOrNumbersToTheJdkButUnassignedHere() {
        int[] r = UnicodeClasses.UNICODE_16_ADDITIONS;
        for (int i = 0; i < r.length; i += 2) {
            for (int cp = r[i]; cp <= r[i + 1]; cp++) {
                int type = Character.getType(cp);
                boolean jdkLetterOrNumber = Character.isLetter(cp) || type == Character.DECIMAL_DIGIT_NUMBER
                        || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
                assertTrue(jdkLetterOrNumber, String.format("U+%04X is no longer a letter or number to the JDK", cp));
                assertEquals(UnicodeClasses.OTHER, UnicodeClasses.classOf(cp), String.format("U+%04X", cp));
            }
        }
    }

    @Test
    void elsewhereLettersAndNumbersAreTheJdksGeneralCategories() {
        for (int cp = 0; cp < 0x110000; cp++) {
            if (UnicodeClasses.isUnicode16Addition(cp)) {
                continue;
            }
            int type = Character.getType(cp);
            byte expected = isWhiteSpace(cp) ? UnicodeClasses.SPACE
                    : Character.isLetter(cp) ? UnicodeClasses.LETTER
                    : type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                            || type == Character.OTHER_NUMBER ? UnicodeClasses.NUMBER : UnicodeClasses.OTHER;
            if (expected != UnicodeClasses.classOf(cp)) {
                assertEquals(expected, UnicodeClasses.classOf(cp), String.format("U+%04X", cp));
            }
        }
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        for (int cp : new int[] {' ', '\t', '\n', 0x0B, '\f', '\r', 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000}) {
            assertEquals(UnicodeClasses.SPACE, UnicodeClasses.classOf(cp), String.format("U+%04X", cp));
        }
        for (int cp : new int[] {0xFEFF, 0x200B, 0x180E, 0x1C, 0x1F}) {
            assertEquals(UnicodeClasses.OTHER, UnicodeClasses.classOf(cp), String.format("U+%04X", cp));
        }
    }

    /** The White_Space property through java.util.regex, independently of the hand-written list. */
    private static boolean isWhiteSpace(int cp) {
        return WHITE_SPACE.matcher(Character.toString(cp)).matches();
    }
}
