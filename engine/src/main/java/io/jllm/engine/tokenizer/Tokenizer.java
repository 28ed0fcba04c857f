package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufMetadata;
import java.nio.CharBuffer;
import java.text.Normalizer;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Qwen3's tokenizer: text to token ids and back, matching llama.cpp (our runtime reference) and
 * Hugging Face's tokenizer.json; where the two disagree, package-info says which one we follow.
 *
 * <p>Encoding: lone surrogates become U+FFFD (what UTF-8 encoders and Hugging Face's JavaScript
 * tokenizer do with them); added tokens are cut out ({@link SpecialTokenMatcher}); each plain
 * fragment is NFC-normalised, split by the Qwen2 pre-tokenizer, mapped to bytes and merged by BPE
 * rank. Immutable and thread-safe; each call uses its own scratch space.
 */
public final class Tokenizer {
    private static final byte[] EMPTY = new byte[0];
    /** Code units below this are unchanged by NFC whatever follows them (NFC_Quick_Check=Yes, ccc=0). */
    private static final char FIRST_NFC_SENSITIVE = '\u0300';

    private final Vocabulary vocab;
    private final SpecialTokenMatcher matcher;
    private final WordCache cache = new WordCache(1 << 16);

    public Tokenizer(Vocabulary vocab) {
        this.vocab = Objects.requireNonNull(vocab, "vocab");
        this.matcher = new SpecialTokenMatcher(vocab);
    }

    /** Reads the vocabulary from GGUF metadata; see {@link Vocabulary#fromMetadata}. */
    public static Tokenizer fromMetadata(GgufMetadata metadata) {
        return new Tokenizer(Vocabulary.fromMetadata(metadata));
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    public int vocabSize() {
        return vocab.size();
    }

    /**
     * Token ids of {@code text}, without BOS/EOS. With {@code parseSpecial}, control tokens written
     * in the text ({@code <|im_start|>}) become their ids; without it they are tokenized as text.
     * User-defined tokens ({@code <think>}) become their ids either way, as in llama.cpp.
     */
    public int[] encode(String text, boolean parseSpecial) {
        return encode(text, false, parseSpecial);
    }

    /** As {@link #encode(String, boolean)}; {@code addSpecial} adds BOS/EOS where the vocabulary asks for them. */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        if (text == null) {
            throw new IllegalArgumentException("text to encode is null");
        }
        String s = withoutLoneSurrogates(text);
        Scratch scratch = new Scratch();
        IntList out = new IntList(s.length() / 3 + 8);
        if (addSpecial && vocab.addBos()) {
            out.add(required(vocab.bos(), "BOS"));
        }
        IntList fragments = scratch.fragments;
        matcher.partition(s, parseSpecial, fragments, scratch.spare);
        boolean maybeDenormalized = hasNfcSensitiveChars(s);
        for (int f = 0; f < fragments.size(); f += 3) {
            int id = fragments.get(f + 2);
            if (id >= 0) {
                out.add(id);
            } else {
                encodeText(s, fragments.get(f), fragments.get(f + 1), maybeDenormalized, scratch, out);
            }
        }
        if (addSpecial && vocab.addEos()) {
            out.add(required(vocab.eos(), "EOS"));
        }
        return out.toArray();
    }

    /** The text of {@code ids}, control tokens included; ill-formed UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * The text of {@code ids}. Control tokens are rendered as their text only with
     * {@code renderSpecial} (llama.cpp's token_to_piece {@code special}); user-defined tokens always are.
     */
    public String decode(int[] ids, boolean renderSpecial) {
        if (ids == null) {
            throw new IllegalArgumentException("ids to decode are null");
        }
        Utf8Decoder utf8 = new Utf8Decoder();
        StringBuilder out = new StringBuilder(ids.length * 4);
        for (int id : ids) {
            byte[] piece = piece(id, renderSpecial);
            utf8.feed(piece, 0, piece.length, out);
        }
        utf8.finish(out);
        return out.toString();
    }

    /** A decoder for a stream of generated ids. */
    public StreamingDecoder streamingDecoder(boolean renderSpecial) {
        return new StreamingDecoder(this, renderSpecial);
    }

    /** The bytes {@code id} stands for, control tokens rendered as their text. */
    public byte[] tokenBytes(int id) {
        return tokenBytes(id, true);
    }

    /** The bytes {@code id} stands for; empty for a control token unless {@code renderSpecial}. */
    public byte[] tokenBytes(int id, boolean renderSpecial) {
        return piece(id, renderSpecial).clone();
    }

    /** The id of the token stored as {@code text} ({@code "<|im_start|>"}). */
    public int tokenId(String text) {
        return vocab.find(text).orElseThrow(() -> new IllegalArgumentException("the vocabulary has no token \""
                + text + "\""));
    }

    public OptionalInt findTokenId(String text) {
        return vocab.find(text);
    }

    /** BOS id, or -1 if none. */
    public int bos() {
        return vocab.bos();
    }

    /** EOS id, or -1 if none. */
    public int eos() {
        return vocab.eos();
    }

    /** Whether generating {@code id} ends generation (llama.cpp's EOG set). */
    public boolean isEog(int id) {
        return vocab.isEog(id);
    }

    byte[] piece(int id, boolean renderSpecial) {
        vocab.checkId(id);
        if (!renderSpecial && (vocab.attrs(id) & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
            return EMPTY;
        }
        return vocab.piece(id);
    }

    private void encodeText(String s, int from, int to, boolean maybeDenormalized, Scratch scratch, IntList out) {
        String text = s;
        if (maybeDenormalized && hasNfcSensitiveChars(s, from, to)) {
            text = Normalizer.normalize(CharBuffer.wrap(s, from, to), Normalizer.Form.NFC);
            from = 0;
            to = text.length();
        }
        int pos = from;
        while (pos < to) {
            int end = Qwen2PreTokenizer.pieceEnd(text, pos, to);
            encodeWord(text, pos, end, scratch, out);
            pos = end;
        }
    }

    private void encodeWord(String text, int from, int to, Scratch scratch, IntList out) {
        boolean cacheable = to - from <= WordCache.MAX_WORD_CHARS;
        int hash = 0;
        if (cacheable) {
            hash = WordCache.hash(text, from, to);
            int[] cached = cache.get(text, from, to, hash);
            if (cached != null) {
                out.addAll(cached);
                return;
            }
        }
        int[] ids = scratch.byteIds(4 * (to - from));
        int count = 0;
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                ids[count++] = vocab.byteToken(cp);
            } else if (cp < 0x800) {
                ids[count++] = vocab.byteToken(0xC0 | (cp >>> 6));
                ids[count++] = vocab.byteToken(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                ids[count++] = vocab.byteToken(0xE0 | (cp >>> 12));
                ids[count++] = vocab.byteToken(0x80 | ((cp >>> 6) & 0x3F));
                ids[count++] = vocab.byteToken(0x80 | (cp & 0x3F));
            } else {
                ids[count++] = vocab.byteToken(0xF0 | (cp >>> 18));
                ids[count++] = vocab.byteToken(0x80 | ((cp >>> 12) & 0x3F));
                ids[count++] = vocab.byteToken(0x80 | ((cp >>> 6) & 0x3F));
                ids[count++] = vocab.byteToken(0x80 | (cp & 0x3F));
            }
        }
        int mark = out.size();
        scratch.merger(vocab.merges()).merge(ids, count, out);
        if (cacheable) {
            cache.put(text, from, to, hash, out.toArray(mark));
        }
    }

    private static int required(int id, String what) {
        if (id < 0) {
            throw new IllegalStateException("the vocabulary asks for a " + what + " token but names none");
        }
        return id;
    }

    private static boolean hasNfcSensitiveChars(String s) {
        return hasNfcSensitiveChars(s, 0, s.length());
    }

    private static boolean hasNfcSensitiveChars(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= FIRST_NFC_SENSITIVE) {
                return true;
            }
        }
        return false;
    }

    /** {@code text} with every unpaired surrogate replaced by U+FFFD. */
    static String withoutLoneSurrogates(String text) {
        StringBuilder fixed = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            boolean paired = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                i++;
                continue;
            }
            if (fixed == null) {
                fixed = new StringBuilder(text);
            }
            fixed.setCharAt(i, '\uFFFD');
        }
        return fixed == null ? text : fixed.toString();
    }

    /**
     * Per-call working storage, so concurrent calls share nothing mutable. The merge buffers are made
     * on the first word the cache does not know, so a call served from the cache allocates little.
     */
    private static final class Scratch {
        final IntList fragments = new IntList(12);
        final IntList spare = new IntList(12);
        private BpeWordMerger merger;
        private int[] byteIds = new int[0];

        BpeWordMerger merger(BpeMerges merges) {
            if (merger == null) {
                merger = new BpeWordMerger(merges);
            }
            return merger;
        }

        int[] byteIds(int capacity) {
            if (byteIds.length < capacity) {
                byteIds = new int[Math.max(capacity, Math.max(64, byteIds.length * 2))];
            }
            return byteIds;
        }
    }
}
