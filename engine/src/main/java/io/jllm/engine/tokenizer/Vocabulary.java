package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufTokenType;
import io.jllm.engine.model.ModelFormatException;
import io.jllm.gguf.GgufArray;
import io.jllm.gguf.GgufMetadata;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A byte-level BPE vocabulary read from GGUF tokenizer metadata alone, as llama.cpp reads it:
 * {@code tokenizer.ggml.model} ("gpt2"), {@code .pre} ("qwen2"), {@code .tokens}, {@code .token_type},
 * {@code .merges}, the {@code *_token_id} keys and {@code .add_bos_token}/{@code .add_eos_token}.
 * Immutable and safe to share between threads.
 */
public final class Vocabulary {
    public static final String KEY_MODEL = "tokenizer.ggml.model";
    public static final String KEY_PRE = "tokenizer.ggml.pre";
    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String KEY_MERGES = "tokenizer.ggml.merges";
    public static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String KEY_ADD_EOS = "tokenizer.ggml.add_eos_token";

    /** Model types this engine tokenizes. */
    public static final List<String> SUPPORTED_MODELS = List.of("gpt2");
    /** Pre-tokenizer names llama.cpp maps to the Qwen2 regex that this engine implements. */
    public static final List<String> SUPPORTED_PRE = List.of("qwen2", "deepseek-r1-qwen");

    private final String[] texts;
    private final GgufTokenType[] types;
    private final int[] attrs;
    private final byte[][] pieces;
    private final Map<String, Integer> idsByText;
    private final int[] byteTokens;
    private final BpeMerges merges;
    private final SpecialTokenRules.Ids special;
    private final boolean addBos;
    private final boolean addEos;
    private final List<String> warnings;

    private Vocabulary(String[] texts, GgufTokenType[] types, int[] attrs, Map<String, Integer> idsByText,
                       BpeMerges merges, SpecialTokenRules.Ids special, boolean addBos, boolean addEos,
                       List<String> warnings) {
        this.texts = texts;
        this.types = types;
        this.attrs = attrs;
        this.idsByText = idsByText;
        this.merges = merges;
        this.special = special;
        this.addBos = addBos;
        this.addEos = addEos;
        this.warnings = List.copyOf(warnings);
        this.pieces = new byte[texts.length][];
        for (int id = 0; id < texts.length; id++) {
            pieces[id] = renderedBytes(id);
        }
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = idsByText.get(String.valueOf(ByteLevel.encode(b)));
            if (id == null) {
                throw error(KEY_TOKENS, String.format("has no token for byte 0x%02X (\"%s\"); a byte-level BPE"
                        + " vocabulary needs all 256", b, ByteLevel.encode(b)));
            }
            byteTokens[b] = id;
        }
    }

    /**
     * Reads the vocabulary from a model's metadata.
     *
     * @throws ModelFormatException naming the key, when a key is missing, has the wrong type,
     *     names an unsupported tokenizer or holds inconsistent data
     */
    public static Vocabulary fromMetadata(GgufMetadata md) {
        String model = require(md, KEY_MODEL, GgufValueType.STRING).value().toString();
        if (!SUPPORTED_MODELS.contains(model)) {
            throw new ModelFormatException(KEY_MODEL + " = \"" + model
                    + "\" is not supported; this engine tokenizes " + SUPPORTED_MODELS + " (byte-level BPE)");
        }
        if (!md.has(KEY_PRE)) {
            throw new ModelFormatException(KEY_PRE + " is missing; this engine implements the"
                    + " pre-tokenizers " + SUPPORTED_PRE + ". Re-convert the model with a current convert_hf_to_gguf.py");
        }
        String pre = require(md, KEY_PRE, GgufValueType.STRING).value().toString();
        if (!SUPPORTED_PRE.contains(pre)) {
            throw new ModelFormatException(KEY_PRE + " = \"" + pre
                    + "\" is not supported; this engine implements " + SUPPORTED_PRE);
        }
        String[] texts = stringArray(md, KEY_TOKENS);
        if (texts.length == 0) {
            throw new ModelFormatException(KEY_TOKENS + " is empty");
        }
        GgufTokenType[] types = tokenTypes(md, texts.length);
        List<String> warnings = new ArrayList<>();
        Map<String, Integer> idsByText = HashMap.newHashMap(texts.length);
        int[] attrs = new int[texts.length];
        for (int id = 0; id < texts.length; id++) {
            if (texts[id].isEmpty()) {
                warnings.add("token " + id + " is empty; named [EMPTY_" + id + "] as llama.cpp does");
                texts[id] = "[EMPTY_" + id + "]";
            }
            Integer previous = idsByText.putIfAbsent(texts[id], id);
            if (previous != null) {
                throw new ModelFormatException(KEY_TOKENS + ": tokens " + previous + " and " + id
                        + " are both \"" + texts[id] + "\"; token texts must be unique");
            }
            attrs[id] = TokenAttr.of(types[id]);
        }
        BpeMerges merges = merges(md, idsByText);
        SpecialTokenRules.Ids special = SpecialTokenRules.apply(md, texts, attrs, idsByText, warnings);
        boolean addBos = md.has(KEY_ADD_BOS) && (boolean) require(md, KEY_ADD_BOS, GgufValueType.BOOL).value();
        boolean addEos = md.has(KEY_ADD_EOS) && (boolean) require(md, KEY_ADD_EOS, GgufValueType.BOOL).value();
        Vocabulary v = new Vocabulary(texts, types, attrs, idsByText, merges, special, addBos, addEos, warnings);
        v.checkNormalTokens();
        return v;
    }

    public int size() {
        return texts.length;
    }

    /** The token's text as the file stores it (byte-level alphabet for normal tokens: "Ġthe"). */
    public String text(int id) {
        checkId(id);
        return texts[id];
    }

    public GgufTokenType type(int id) {
        checkId(id);
        return types[id];
    }

    /** Whether text writes this token only when special tokens are parsed (llama.cpp's CONTROL attribute). */
    public boolean isControl(int id) {
        checkId(id);
        return (attrs[id] & TokenAttr.CONTROL) != 0;
    }

    /** Whether the token ends generation (llama.cpp's EOG set). */
    public boolean isEog(int id) {
        return id >= 0 && id < texts.length && special.eog().get(id);
    }

    /** The end-of-generation ids in ascending order. */
    public int[] eogIds() {
        return special.eog().stream().toArray();
    }

    /** The id of the token whose stored text is {@code text}. */
    public OptionalInt find(String text) {
        Integer id = idsByText.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** BOS id, or -1 if the vocabulary has none. */
    public int bos() {
        return special.bos();
    }

    /** EOS id, or -1 if the vocabulary has none. */
    public int eos() {
        return special.eos();
    }

    /** End-of-turn id ({@code <|im_end|>} for Qwen3), or -1. */
    public int eot() {
        return special.eot();
    }

    /** Padding id, or -1. */
    public int pad() {
        return special.pad();
    }

    public boolean addBos() {
        return addBos;
    }

    public boolean addEos() {
        return addEos;
    }

    /** What llama.cpp would have logged as a warning while loading this vocabulary. */
    public List<String> warnings() {
        return warnings;
    }

    int attrs(int id) {
        return attrs[id];
    }

    /** The bytes a token stands for when rendered; the caller must not modify the array. */
    byte[] piece(int id) {
        return pieces[id];
    }

    /** The token standing for one byte of text. */
    int byteToken(int b) {
        return byteTokens[b];
    }

    BpeMerges merges() {
        return merges;
    }

    void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (texts.length - 1)
                    + ")");
        }
    }

    /**
     * What llama.cpp's token_to_piece gives with special=true: markup tokens their text, normal
     * tokens the bytes their byte-level text stands for, and unused or undefined tokens nothing.
     */
    private byte[] renderedBytes(int id) {
        int a = attrs[id];
        if ((a & (TokenAttr.CONTROL | TokenAttr.UNKNOWN | TokenAttr.USER_DEFINED)) != 0) {
            return texts[id].getBytes(StandardCharsets.UTF_8);
        }
        if ((a & TokenAttr.NORMAL) != 0) {
            byte[] bytes = ByteLevel.decode(texts[id]);
            return bytes != null ? bytes : new byte[0];
        }
        if ((a & TokenAttr.BYTE) != 0) {
            byte[] bytes = ByteLevel.decode(texts[id]);
            return bytes != null && bytes.length == 1 ? bytes : new byte[0];
        }
        return new byte[0];
    }

    private void checkNormalTokens() {
        for (int id = 0; id < texts.length; id++) {
            if ((attrs[id] & (TokenAttr.CONTROL | TokenAttr.UNKNOWN | TokenAttr.USER_DEFINED)) == 0
                    && (attrs[id] & TokenAttr.NORMAL) != 0 && ByteLevel.decode(texts[id]) == null) {
                throw error(KEY_TOKENS, "token " + id + " \"" + texts[id] + "\" is NORMAL but holds characters outside"
                        + " the byte-level alphabet; is this really a byte-level (gpt2) vocabulary?");
            }
        }
    }

    private static ModelFormatException error(String key, String problem) {
        return new ModelFormatException(key + " " + problem);
    }

    private static GgufTokenType[] tokenTypes(GgufMetadata md, int n) {
        GgufTokenType[] types = new GgufTokenType[n];
        if (!md.has(KEY_TOKEN_TYPE)) {
            java.util.Arrays.fill(types, GgufTokenType.NORMAL); // llama.cpp: no types means all normal
            return types;
        }
        GgufArray a = (GgufArray) require(md, KEY_TOKEN_TYPE, GgufValueType.ARRAY).value();
        if (!(a.elements() instanceof long[] values)) {
            throw new ModelFormatException(KEY_TOKEN_TYPE + " must be an array of INT32, found an"
                    + " array of " + a.elementType());
        }
        if (values.length < n) {
            throw new ModelFormatException(KEY_TOKEN_TYPE + " has " + values.length
                    + " entries for " + n + " tokens");
        }
        for (int i = 0; i < n; i++) {
            types[i] = GgufTokenType.byId((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, values[i])));
        }
        return types;
    }

    private static BpeMerges merges(GgufMetadata md, Map<String, Integer> idsByText) {
        if (!md.has(KEY_MERGES)) {
            throw new ModelFormatException(KEY_MERGES + " is missing; a gpt2 (BPE) vocabulary"
                    + " needs its merges");
        }
        String[] lines = stringArray(md, KEY_MERGES);
        BpeMerges merges = new BpeMerges(lines.length);
        for (int rank = 0; rank < lines.length; rank++) {
            String line = lines[rank];
            // llama.cpp splits at the first space after the first character, so a merge may start with a space.
            int space = line.indexOf(' ', 1);
            if (space < 0) {
                throw new ModelFormatException(KEY_MERGES + "[" + rank + "] = \"" + line
                        + "\" is not two tokens separated by a space");
            }
            String left = line.substring(0, space);
            String right = line.substring(space + 1);
            Integer l = idsByText.get(left);
            Integer r = idsByText.get(right);
            Integer result = idsByText.get(left + right);
            if (l == null || r == null || result == null) {
                String missing = l == null ? left : r == null ? right : left + right;
                throw new ModelFormatException(KEY_MERGES + "[" + rank + "] = \"" + line
                        + "\" uses \"" + missing + "\", which is not in " + KEY_TOKENS);
            }
            merges.add(l, r, rank, result);
        }
        return merges;
    }

    private static String[] stringArray(GgufMetadata md, String key) {
        GgufArray a = (GgufArray) require(md, key, GgufValueType.ARRAY).value();
        if (!(a.elements() instanceof String[] strings)) {
            throw new ModelFormatException(key + " must be an array of STRING, found an array of "
                    + a.elementType());
        }
        return strings.clone();
    }

    private static GgufValue require(GgufMetadata md, String key, GgufValueType type) {
        GgufValue v = md.get(key).orElseThrow(() -> new ModelFormatException(key + " is missing;"
                + " the file carries no tokenizer (" + KEY_MODEL + ", " + KEY_TOKENS + ", " + KEY_MERGES + " ...)"));
        if (v.type() != type) {
            throw new ModelFormatException(key + " must be " + type + ", found " + v.type());
        }
        return v;
    }
}
