package io.jllm.gguf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes GGUF strings as strict UTF-8 (overlong forms, surrogates and truncated sequences are
 * errors) at the speed of {@code new String(bytes, UTF_8)}.
 *
 * <p>The JDK's String constructor is the fast path, but it replaces bad input with U+FFFD instead of
 * failing. So a result without U+FFFD is known good, and only a result containing one (a genuine
 * U+FFFD in the file, or a replacement) is decoded again with a reporting decoder to tell which.
 * Not thread-safe: one per parse.
 */
final class Utf8Decoder {
    private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** The string, or null if the bytes are not valid UTF-8. */
    String decode(byte[] bytes, int offset, int length) {
        String s = new String(bytes, offset, length, StandardCharsets.UTF_8);
        if (s.indexOf('\uFFFD') < 0) {
            return s;
        }
        try {
            strict.reset();
            return strict.decode(ByteBuffer.wrap(bytes, offset, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
