package io.jllm.engine.tokenizer;

/**
 * The three character classes the Qwen2 pre-tokenizer regex uses: {@code \p{L}}, {@code \p{N}} and
 * {@code \s}, for code points.
 *
 * <p>Letters and numbers come from the JDK's Unicode data, except that the letters and numbers
 * Unicode 16.0 added are treated as unassigned: llama.cpp's tables (src/unicode-data.cpp,
 * generated from UnicodeData.txt before 16.0) do not know them, and llama.cpp is the runtime we
 * match. {@code \s} is the Unicode White_Space property (what Rust/Oniguruma and llama.cpp use):
 * it includes U+0085 and excludes U+FEFF, unlike JavaScript's {@code \s}.
 */
final class UnicodeClasses {
    /** Neither whitespace, letter nor number: what {@code [^\s\p{L}\p{N}]} matches. */
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;
    private static final byte[] ASCII = new byte[128];

    /**
     * Inclusive ranges of letters (L) and numbers (N) new in Unicode 16.0, which the JDK 25 tables
     * know and llama.cpp's do not. Found by comparing {@link Character#getType} with llama.cpp's
     * table for every code point; UnicodeClassesTest checks the JDK still classifies each range so.
     */
    static final int[] UNICODE_16_ADDITIONS = {
        0x1C89, 0x1C8A, 0xA7CB, 0xA7CD, 0xA7DA, 0xA7DC, 0x105C0, 0x105F3, 0x10D40, 0x10D49,
        0x10D4A, 0x10D65, 0x10D6F, 0x10D85, 0x10EC2, 0x10EC4, 0x11380, 0x11389, 0x1138B, 0x1138B,
        0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113B7, 0x113D1, 0x113D1, 0x113D3, 0x113D3,
        0x116D0, 0x116E3, 0x11BC0, 0x11BE0, 0x11BF0, 0x11BF9, 0x13460, 0x143FA, 0x16100, 0x1611D,
        0x16130, 0x16139, 0x16D40, 0x16D6C, 0x16D70, 0x16D79, 0x18CFF, 0x18CFF, 0x1CCF0, 0x1CCF9,
        0x1E5D0, 0x1E5ED, 0x1E5F0, 0x1E5FA,
    };

    static {
        for (int c = 0; c < 128; c++) {
            ASCII[c] = classify(c);
        }
    }

    private UnicodeClasses() {
    }

    /** The class of a code point: {@link #OTHER}, {@link #LETTER}, {@link #NUMBER} or {@link #SPACE}. */
    static byte classOf(int cp) {
        return cp < 128 ? ASCII[cp] : classify(cp);
    }

    private static byte classify(int cp) {
        if (isWhiteSpaceProperty(cp)) {
            return SPACE;
        }
        int type = Character.getType(cp);
        byte cls = switch (type) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
        if (cls != OTHER && cp >= UNICODE_16_ADDITIONS[0] && isUnicode16Addition(cp)) {
            return OTHER;
        }
        return cls;
    }

    static boolean isUnicode16Addition(int cp) {
        for (int i = 0; i < UNICODE_16_ADDITIONS.length; i += 2) {
            if (cp < UNICODE_16_ADDITIONS[i]) {
                return false;
            }
            if (cp <= UNICODE_16_ADDITIONS[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** Unicode's White_Space property (PropList.txt); stable since Unicode 6.3. */
    private static boolean isWhiteSpaceProperty(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
