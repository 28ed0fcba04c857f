package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Utf8DecoderTest {
    @Test
    void replacesEachMaximalIllFormedSubpartWithOneReplacementCharacter() {
        // Expected strings as the WHATWG TextDecoder (and Rust's from_utf8_lossy) give them.
        assertEquals("€", decode(0xE2, 0x82, 0xAC));
        assertEquals("\uFFFDA", decode(0xE2, 0x82, 0x41), "truncated 3-byte sequence");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80), "an encoded surrogate is 3 errors");
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0x80), "overlong lead C0");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xE0, 0x80, 0x80), "overlong 3-byte form");
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80), "beyond U+10FFFF");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xF0, 0x80, 0x80), "overlong 4-byte form");
        assertEquals("\uFFFD", decode(0xF0, 0x9F, 0x98), "truncated emoji at the end");
        assertEquals("\uFFFD\uFFFD", decode(0xFF, 0xFE));
        assertEquals("\uFEFFa", decode(0xEF, 0xBB, 0xBF, 0x61), "a BOM is kept");
        assertEquals("\uD83D\uDE00", decode(0xF0, 0x9F, 0x98, 0x80));
    }

    @Test
    void theResultDoesNotDependOnWhereTheInputIsCut() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] interesting = {(byte) 0xE2, (byte) 0x82, (byte) 0xAC, (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80,
            (byte) 0xED, (byte) 0xA0, (byte) 0xC3, (byte) 0xA9, 0x41, (byte) 0x80, (byte) 0xBF, (byte) 0xF4, (byte) 0x8F};
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(16)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt(256);
            }
            StringBuilder whole = new StringBuilder();
            Utf8Decoder d = new Utf8Decoder();
            d.feed(bytes, 0, bytes.length, whole);
            d.finish(whole);
            StringBuilder pieces = new StringBuilder();
            for (int i = 0; i < bytes.length; ) {
                int j = Math.min(bytes.length, i + 1 + random.nextInt(3));
                d.feed(bytes, i, j, pieces);
                i = j;
            }
            d.finish(pieces);
            assertEquals(whole.toString(), pieces.toString());
            if (isWellFormed(bytes)) {
                assertEquals(new String(bytes, StandardCharsets.UTF_8), whole.toString());
            }
        }
    }

    private static boolean isWellFormed(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static String decode(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        StringBuilder out = new StringBuilder();
        Utf8Decoder d = new Utf8Decoder();
        d.feed(bytes, 0, bytes.length, out);
        d.finish(out);
        return out.toString();
    }
}
