package io.jllm.engine.tokenizer;

import static io.jllm.engine.tokenizer.UnicodeClasses.LETTER;
import static io.jllm.engine.tokenizer.UnicodeClasses.NUMBER;
import static io.jllm.engine.tokenizer.UnicodeClasses.OTHER;
import static io.jllm.engine.tokenizer.UnicodeClasses.SPACE;
import static io.jllm.engine.tokenizer.UnicodeClasses.classOf;

/**
 * The Qwen2 pre-tokenizer split: a hand-written scanner with the exact semantics of the regex in
 * Qwen's tokenizer.json (leftmost alternative that matches, greedy quantifiers):
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ' '?[^\s\p{L}\p{N}]+[\r\n]*
 *   | \s*[\r\n]+ | \s+(?!\S) | \s+
 * </pre>
 *
 * Every code point starts a match of some alternative, so the pieces tile the text. The case-
 * insensitive contractions compare ASCII letters only, as llama.cpp and transformers.js do.
 * Qwen2PreTokenizerTest checks this scanner against {@link java.util.regex} on random text.
 */
final class Qwen2PreTokenizer {
    private Qwen2PreTokenizer() {
    }

    /**
     * The end (exclusive) of the piece that starts at {@code pos}, looking no further than
     * {@code limit}. {@code s} holds no lone surrogates.
     */
    static int pieceEnd(String s, int pos, int limit) {
        int c = codePointAt(s, pos, limit);
        int afterC = pos + Character.charCount(c);
        if (c == '\'' && afterC < limit) {
            int contraction = contractionEnd(s, afterC, limit);
            if (contraction > 0) {
                return contraction;
            }
        }
        byte cls = classOf(c);
        if (cls == LETTER
                || (cls != NUMBER && c != '\r' && c != '\n' && afterC < limit
                        && classOf(codePointAt(s, afterC, limit)) == LETTER)) {
            return skip(s, afterC, limit, LETTER);
        }
        if (cls == NUMBER) {
            return afterC;
        }
        if (cls == OTHER) {
            return skipNewlines(s, skip(s, afterC, limit, OTHER), limit);
        }
        if (c == ' ' && afterC < limit && classOf(codePointAt(s, afterC, limit)) == OTHER) {
            return skipNewlines(s, skip(s, afterC, limit, OTHER), limit);
        }
        return whitespaceEnd(s, pos, limit);
    }

    /** After an apostrophe at {@code at - 1}: the end of {@code 's 't 're 've 'm 'll 'd} there, or -1. */
    private static int contractionEnd(String s, int at, int limit) {
        char a = lowerAscii(s.charAt(at));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return at + 1;
        }
        if (at + 1 < limit) {
            char b = lowerAscii(s.charAt(at + 1));
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return at + 2;
            }
        }
        return -1;
    }

    /**
     * {@code \s*[\r\n]+ | \s+(?!\S) | \s+} at a whitespace code point. White_Space code points are
     * all in the BMP, so chars and code points coincide here.
     */
    private static int whitespaceEnd(String s, int pos, int limit) {
        int end = pos;
        int afterLastNewline = -1;
        while (end < limit && classOf(s.charAt(end)) == SPACE) {
            char c = s.charAt(end++);
            if (c == '\r' || c == '\n') {
                afterLastNewline = end;
            }
        }
        if (afterLastNewline >= 0) {
            return afterLastNewline;
        }
        // \s+(?!\S): a run followed by a non-space gives its last space to the next piece.
        if (end < limit && end - pos >= 2) {
            return end - 1;
        }
        return end;
    }

    private static int skip(String s, int pos, int limit, byte cls) {
        while (pos < limit) {
            int c = codePointAt(s, pos, limit);
            if (classOf(c) != cls) {
                break;
            }
            pos += Character.charCount(c);
        }
        return pos;
    }

    private static int skipNewlines(String s, int pos, int limit) {
        while (pos < limit && (s.charAt(pos) == '\r' || s.charAt(pos) == '\n')) {
            pos++;
        }
        return pos;
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static int codePointAt(String s, int i, int limit) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < limit) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }
}
