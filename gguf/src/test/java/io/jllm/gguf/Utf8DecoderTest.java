package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written validator must accept exactly what the JDK's reporting UTF-8 decoder accepts. */
class Utf8DecoderTest {
    private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private boolean jdkAccepts(byte[] b) {
        try {
            strict.reset();
            strict.decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private void agree(byte[] b) {
        assertEquals(jdkAccepts(b), Utf8Decoder.isValid(b, 0, b.length), () -> java.util.HexFormat.ofDelimiter(" ").formatHex(b));
    }

    @Test
    void everyOneAndTwoByteInputAgreesWithTheJdk() {
        for (int a = 0; a < 256; a++) {
            agree(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                agree(new byte[] {(byte) a, (byte) b});
            }
        }
    }

    @Test
    void everyThreeByteInputWithANonAsciiLeadAgreesWithTheJdk() {
        for (int a = 0x80; a < 256; a++) {
            for (int b = 0; b < 256; b += 3) {
                for (int c = 0; c < 256; c++) {
                    agree(new byte[] {(byte) a, (byte) b, (byte) c});
                }
            }
        }
    }

    @Test
    void randomLongerInputsAgreeWithTheJdk() {
        // Bytes drawn mostly from the interesting ranges (leads, edges of the second-byte ranges, continuations).
        int[] pool = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
            0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
        Random random = new Random(5);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[1 + random.nextInt(8)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) pool[random.nextInt(pool.length)];
            }
            agree(b);
        }
    }

    @Test
    void validatesOnlyTheGivenRange() {
        byte[] b = {(byte) 0xFF, 'a', (byte) 0xC3, (byte) 0xA9, (byte) 0xC3};
        assertEquals(true, Utf8Decoder.isValid(b, 1, 4));
        assertEquals(false, Utf8Decoder.isValid(b, 1, 5));
        assertEquals(false, Utf8Decoder.isValid(b, 0, 4));
        assertEquals("a\u00e9", Utf8Decoder.decode(b, 1, 3));
    }
}
