package io.jllm.engine.tokenizer;

/**
 * Incremental UTF-8 decoding that replaces each maximal ill-formed subsequence with one U+FFFD
 * (the Unicode Standard's recommended practice, ch. 3 "U+FFFD Substitution of Maximal Subparts",
 * which is what the WHATWG TextDecoder that Hugging Face's JavaScript tokenizer uses, V8 and
 * Rust's from_utf8_lossy do). The JDK's decoder differs on some inputs (it replaces an encoded
 * surrogate ED A0 80 with one U+FFFD rather than three), so decoding tokens does not use it.
 *
 * <p>Bytes may arrive in any pieces: a character split across calls comes out whole, and the
 * result never depends on where the input was cut. Not thread-safe.
 */
final class Utf8Decoder {
    private static final char REPLACEMENT = '\uFFFD';

    private int codePoint;
    private int needed;
    private int seen;
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Decodes {@code bytes[from..to)} into {@code out}, keeping an unfinished character for later. */
    void feed(byte[] bytes, int from, int to, StringBuilder out) {
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            if (needed == 0) {
                start(b, out);
                continue;
            }
            if (b < lower || b > upper) {
                reset();
                out.append(REPLACEMENT);
                start(b, out); // the offending byte begins the next attempt
                continue;
            }
            lower = 0x80;
            upper = 0xBF;
            codePoint = (codePoint << 6) | (b & 0x3F);
            if (++seen == needed) {
                out.appendCodePoint(codePoint);
                reset();
            }
        }
    }

    /** Ends the input: an unfinished character becomes one U+FFFD. The decoder can then be reused. */
    void finish(StringBuilder out) {
        if (needed != 0) {
            out.append(REPLACEMENT);
            reset();
        }
    }

    /** Whether bytes of an unfinished character are held back. */
    boolean pending() {
        return needed != 0;
    }

    private void start(int b, StringBuilder out) {
        if (b < 0x80) {
            out.append((char) b);
        } else if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
            codePoint = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            if (b == 0xE0) {
                lower = 0xA0; // no overlong forms
            } else if (b == 0xED) {
                upper = 0x9F; // no surrogates
            }
            needed = 2;
            codePoint = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            if (b == 0xF0) {
                lower = 0x90;
            } else if (b == 0xF4) {
                upper = 0x8F; // nothing past U+10FFFF
            }
            needed = 3;
            codePoint = b & 0x07;
        } else {
            out.append(REPLACEMENT);
        }
    }

    private void reset() {
        codePoint = 0;
        needed = 0;
        seen = 0;
        lower = 0x80;
        upper = 0xBF;
    }
}
