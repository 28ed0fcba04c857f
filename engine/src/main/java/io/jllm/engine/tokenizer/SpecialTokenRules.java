package io.jllm.engine.tokenizer;

import io.jllm.gguf.GgufMetadata;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Which ids are BOS, EOS, EOT, FIM..., which end generation, and the attribute changes that come
 * with them, decided as llama.cpp's llama_vocab::impl::load does (src/llama-vocab.cpp, "special
 * tokens" section; read for the rules, not copied): explicit {@code tokenizer.ggml.*_token_id}
 * keys first, then tokens recognised by their text. A token named like an end-of-generation or FIM
 * marker becomes CONTROL even if the file says otherwise; for Qwen3 that turns the ordinary token
 * {@code </s>} (128247) into a CONTROL, end-of-generation token, exactly as llama.cpp does.
 *
 * <p>Where llama.cpp picks the first match while iterating an unordered map (EOT, EOM, FIM), we
 * pick the first name in its list, which gives the same answer for Qwen3 ({@code <|im_end|>}).
 */
final class SpecialTokenRules {
    static final int NONE = -1;

    private static final List<String> EOT_NAMES = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
            "<end_of_utterance>");
    private static final List<String> EOM_NAMES = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_NAMES = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_NAMES = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_NAMES = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_NAMES = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_NAMES = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_NAMES = List.of("<|file_sep|>");
    private static final List<String> EOG_NAMES = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");
    /** gpt-oss markup that llama.cpp always renders. */
    private static final List<String> ALWAYS_RENDERED = List.of("<|channel|>", "<|message|>", "<|start|>",
            "<|constrain|>");

    /** The ids these rules decided; {@link #NONE} where there is none. */
    record Ids(int bos, int eos, int eot, int eom, int unk, int sep, int pad, int mask,
               int fimPre, int fimSuf, int fimMid, int fimPad, int fimRep, int fimSep, BitSet eog) {
    }

    private final String[] texts;
    private final int[] attrs;
    private final Map<String, Integer> idsByText;
    private final List<String> warnings;

    private SpecialTokenRules(String[] texts, int[] attrs, Map<String, Integer> idsByText, List<String> warnings) {
        this.texts = texts;
        this.attrs = attrs;
        this.idsByText = idsByText;
        this.warnings = warnings;
    }

    /** Decides the special ids and updates {@code attrs} in place; notes what llama.cpp would warn about. */
    static Ids apply(GgufMetadata md, String[] texts, int[] attrs, Map<String, Integer> idsByText,
                     List<String> warnings) {
        return new SpecialTokenRules(texts, attrs, idsByText, warnings).apply(md);
    }

    private Ids apply(GgufMetadata md) {
        // "gpt2" vocabularies default BOS and EOS to id 11 when the file names none (llama-vocab.cpp).
        int bos = explicit(md, "bos_token_id", 11);
        int eos = explicit(md, "eos_token_id", 11);
        int eot = explicit(md, "eot_token_id", NONE);
        int eom = explicit(md, "eom_token_id", NONE);
        int unk = explicit(md, "unknown_token_id", NONE);
        int sep = explicit(md, "seperator_token_id", NONE); // sic: llama.cpp's key name
        int pad = explicit(md, "padding_token_id", NONE);
        int mask = explicit(md, "mask_token_id", NONE);
        int fimPre = explicit(md, "prefix_token_id", explicit(md, "fim_pre_token_id", NONE));
        int fimSuf = explicit(md, "suffix_token_id", explicit(md, "fim_suf_token_id", NONE));
        int fimMid = explicit(md, "middle_token_id", explicit(md, "fim_mid_token_id", NONE));
        int fimPad = explicit(md, "fim_pad_token_id", NONE);
        int fimRep = explicit(md, "fim_rep_token_id", NONE);
        int fimSep = explicit(md, "fim_sep_token_id", NONE);

        eot = byName(eot, EOT_NAMES);
        eom = byName(eom, EOM_NAMES);
        fimPre = byName(fimPre, FIM_PRE_NAMES);
        fimSuf = byName(fimSuf, FIM_SUF_NAMES);
        fimMid = byName(fimMid, FIM_MID_NAMES);
        fimPad = byName(fimPad, FIM_PAD_NAMES);
        fimRep = byName(fimRep, FIM_REP_NAMES);
        fimSep = byName(fimSep, FIM_SEP_NAMES);

        for (int id = 0; id < texts.length; id++) {
            if ((attrs[id] & TokenAttr.CONTROL) != 0 && texts[id].contains("unused")) {
                attrs[id] |= TokenAttr.UNUSED;
            }
        }

        BitSet eog = new BitSet(texts.length);
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id != NONE) {
                eog.set(id);
            }
        }
        for (String name : EOG_NAMES) {
            Integer id = idsByText.get(name);
            if (id != null) {
                eog.set(id);
                makeControl(id);
            }
        }
        for (String name : ALWAYS_RENDERED) {
            Integer id = idsByText.get(name);
            if (id != null) {
                attrs[id] = TokenAttr.USER_DEFINED;
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id != NONE) {
                eog.set(id);
            }
        }
        dropEndWhenHarmony(eog);
        dropSWhenToolResponse(eog);
        return new Ids(bos, eos, eot, eom, unk, sep, pad, mask, fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep, eog);
    }

    /** o200k_harmony and solar-open: {@code <|end|>} ends a message, not the generation. */
    private void dropEndWhenHarmony(BitSet eog) {
        boolean hasReturn = inEog(eog, "<|return|>");
        boolean hasCall = inEog(eog, "<|call|>") || inEog(eog, "<|calls|>");
        boolean hasFlush = inEog(eog, "<|flush|>");
        if (inEog(eog, "<|end|>") && hasCall && (hasReturn || hasFlush)) {
            int end = idsByText.get("<|end|>");
            eog.clear(end);
            attrs[end] = TokenAttr.USER_DEFINED;
        }
    }

    /** gemma4: {@code </s>} is ordinary text there. */
    private void dropSWhenToolResponse(BitSet eog) {
        if (inEog(eog, "<|tool_response>") && inEog(eog, "</s>")) {
            int s = idsByText.get("</s>");
            eog.clear(s);
            attrs[s] = TokenAttr.NORMAL;
        }
    }

    private boolean inEog(BitSet eog, String name) {
        Integer id = idsByText.get(name);
        return id != null && eog.get(id);
    }

    private int explicit(GgufMetadata md, String suffix, int fallback) {
        String key = "tokenizer.ggml." + suffix;
        if (fallback >= texts.length) {
            fallback = NONE;
        }
        if (!md.has(key)) {
            return fallback;
        }
        long id = md.int64(key);
        if (id < 0 || id >= texts.length) {
            warnings.add(key + " = " + id + " is outside the vocabulary (" + texts.length
                    + " tokens); ignored, as llama.cpp does");
            return fallback;
        }
        return (int) id;
    }

    private int byName(int current, List<String> names) {
        if (current != NONE) {
            return current;
        }
        for (String name : names) {
            Integer id = idsByText.get(name);
            if (id != null) {
                makeControl(id);
                return id;
            }
        }
        return NONE;
    }

    private void makeControl(int id) {
        if ((attrs[id] & TokenAttr.CONTROL) == 0) {
            warnings.add("token " + id + " '" + texts[id] + "' looks like a control token but is not CONTROL in the"
                    + " file; treated as CONTROL, as llama.cpp does");
            attrs[id] |= TokenAttr.CONTROL;
        }
    }
}
