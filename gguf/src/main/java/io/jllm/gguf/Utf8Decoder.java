package io.jllm.gguf;

import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for GGUF strings: overlong forms, surrogates, code points above U+10FFFF and
 * truncated sequences are errors, exactly as the JDK's reporting UTF-8 decoder has them (the
 * well-formed byte sequences of Unicode's table 3-7).
 *
 * <p>Validation is separate from decoding so that a file's 300k token and merge strings can be
 * checked at open without building a String each ({@link PackedArray} decodes them on first use).
 * A hand-written check rather than a {@code CharsetDecoder}: one plain loop over a byte array is
 * cheap even before the JIT has compiled it, where a decoder call per short string is not.
 */
final class Utf8Decoder {
    private Utf8Decoder() {
    }

    /** The string, or null if the bytes are not valid UTF-8. */
    static String decode(byte[] bytes, int offset, int length) {
        return isValid(bytes, offset, offset + length) ? new String(bytes, offset, length, StandardCharsets.UTF_8) : null;
    }

    /** Whether {@code bytes[from, to)} is well-formed UTF-8. */
    static boolean isValid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            if (b < 0xC2) {
                return false; // a continuation byte where a character starts, or an overlong 2-byte lead
            }
            if (b < 0xE0) {
                if (i + 1 >= to || !continuation(bytes[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (b < 0xF0) {
                if (i + 2 >= to) {
                    return false;
                }
                // E0 needs A0..BF second (else overlong); ED needs 80..9F (else a surrogate).
                int second = bytes[i + 1] & 0xFF;
                int lo = b == 0xE0 ? 0xA0 : 0x80;
                int hi = b == 0xED ? 0x9F : 0xBF;
                if (second < lo || second > hi || !continuation(bytes[i + 2])) {
                    return false;
                }
                i += 3;
            } else if (b < 0xF5) {
                if (i + 3 >= to) {
                    return false;
                }
                // F0 needs 90..BF second (else overlong); F4 needs 80..8F (else above U+10FFFF).
                int second = bytes[i + 1] & 0xFF;
                int lo = b == 0xF0 ? 0x90 : 0x80;
                int hi = b == 0xF4 ? 0x8F : 0xBF;
                if (second < lo || second > hi || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
                    return false;
                }
                i += 4;
            } else {
                return false; // F5..FF never occur in UTF-8
            }
        }
        return true;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
