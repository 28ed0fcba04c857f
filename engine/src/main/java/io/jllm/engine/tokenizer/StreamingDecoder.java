package io.jllm.engine.tokenizer;

/**
 * Turns token ids, one at a time, into text that only ever contains complete characters: bytes of
 * a character split across tokens (an emoji, a CJK character) are held back until the character is
 * complete. Ill-formed bytes become U+FFFD as soon as they are known to be ill-formed, and
 * {@link #finish()} turns an unfinished character at the end into one U+FFFD, so the concatenated
 * output always equals {@link Tokenizer#decode(int[], boolean)} of all the ids. One per stream; not
 * thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private final Utf8Decoder utf8 = new Utf8Decoder();
    private final StringBuilder out = new StringBuilder();

    StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** The text that {@code id} completes; empty while a character is still incomplete. */
    public String accept(int id) {
        byte[] piece = tokenizer.tokenBytes(id, renderSpecial);
        out.setLength(0);
        utf8.feed(piece, 0, piece.length, out);
        return out.toString();
    }

    /** Whether bytes of an incomplete character are held back. */
    public boolean hasPending() {
        return utf8.pending();
    }

    /** Ends the stream: returns U+FFFD for a held-back incomplete character, else "". Resets the decoder. */
    public String finish() {
        out.setLength(0);
        utf8.finish(out);
        return out.toString();
    }
}
