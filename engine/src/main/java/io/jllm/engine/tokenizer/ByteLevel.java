package io.jllm.engine.tokenizer;

/**
 * GPT-2's byte-level alphabet: every byte stands for one printable code point, so a vocabulary of
 * strings can hold arbitrary bytes. Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬},
 * {@code ®..ÿ}) stand for themselves; the other 68 bytes, in order, for U+0100, U+0101, ... (so a
 * space is "Ġ", U+0120, and a newline "Ċ"). This is the table of OpenAI's {@code bytes_to_unicode}
 * that Hugging Face's ByteLevel pre-tokenizer and llama.cpp's {@code unicode_byte_to_utf8} share.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by code point below 0x144; -1 where the code point is not in the alphabet. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {
    }

    /** The alphabet character that stands for {@code b} (0..255). */
    static char encode(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that {@code c} stands for, or -1 if {@code c} is not in the alphabet. */
    static int decode(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The bytes a byte-level token string stands for, or null if it holds a character outside the alphabet. */
    static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < out.length; i++) {
            int b = decode(token.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
