package io.jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts text into plain-text fragments and added tokens written in it, as llama.cpp's
 * tokenizer_st_partition does (src/llama-vocab.cpp): the CONTROL, USER_DEFINED and UNKNOWN tokens,
 * longest text first, each cut out of every fragment not yet claimed, leftmost occurrence first.
 * Without {@code parseSpecial} only USER_DEFINED tokens ({@code <think>}, {@code <tool_call>}) are
 * cut out; CONTROL ones ({@code <|im_start|>}) stay text. Equal lengths go by ascending id (llama.cpp's
 * sort leaves their order unspecified; it matters only if two such tokens overlap in the text).
 */
final class SpecialTokenMatcher {
    private record Special(String text, int id, boolean userDefined) {
    }

    private final Special[] specials;
    /** The distinct first chars of the specials, to find in one pass per char which ones occur at all. */
    private final char[] firstChars;

    SpecialTokenMatcher(Vocabulary vocab) {
        List<Special> list = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            int a = vocab.attrs(id);
            if ((a & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) {
                boolean onlyWhenParsing = (a & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0;
                list.add(new Special(vocab.text(id), id, !onlyWhenParsing));
            }
        }
        // llama.cpp compares the UTF-8 byte lengths.
        list.sort(Comparator.comparingInt((Special s) -> -s.text.getBytes(StandardCharsets.UTF_8).length)
                .thenComparingInt(Special::id));
        specials = list.toArray(new Special[0]);
        firstChars = list.stream().map(sp -> String.valueOf(sp.text.charAt(0))).distinct()
                .collect(java.util.stream.Collectors.joining()).toCharArray();
    }

    /**
     * Appends the fragments of {@code text} to {@code out} as (start, end, id) triples in text order:
     * id -1 for plain text in {@code text[start..end)}, else the added token found there.
     * {@code scratch} is reused storage.
     */
    void partition(String text, boolean parseSpecial, IntList out, IntList scratch) {
        IntList current = out;
        IntList next = scratch;
        current.clear();
        if (text.isEmpty()) {
            return;
        }
        current.add(0);
        current.add(text.length());
        current.add(-1);
        boolean[] occurs = occurring(text, parseSpecial);
        for (int i = 0; i < specials.length; i++) {
            if (!occurs[i]) {
                continue;
            }
            Special s = specials[i];
            int occurrence = text.indexOf(s.text);
            next.clear();
            cut(text, s, occurrence, current, next);
            IntList swap = current;
            current = next;
            next = swap;
        }
        if (current != out) {
            out.clear();
            for (int i = 0; i < current.size(); i++) {
                out.add(current.get(i));
            }
        }
    }

    /** Which specials (that {@code parseSpecial} allows) occur in {@code text}: one scan per distinct first char. */
    private boolean[] occurring(String text, boolean parseSpecial) {
        boolean[] occurs = new boolean[specials.length];
        for (char first : firstChars) {
            for (int at = text.indexOf(first); at >= 0; at = text.indexOf(first, at + 1)) {
                for (int i = 0; i < specials.length; i++) {
                    Special s = specials[i];
                    if (!occurs[i] && (parseSpecial || s.userDefined) && text.startsWith(s.text, at)) {
                        occurs[i] = true;
                    }
                }
            }
        }
        return occurs;
    }

    /**
     * Cuts every occurrence of {@code s} that lies inside one plain fragment. {@code occurrence} is
     * the leftmost occurrence in the whole text; occurrences are then searched only forward, so the
     * cost is one pass over the text however many fragments there are.
     */
    private static void cut(String text, Special s, int occurrence, IntList in, IntList out) {
        int len = s.text.length();
        for (int f = 0; f < in.size(); f += 3) {
            int start = in.get(f);
            int end = in.get(f + 1);
            int id = in.get(f + 2);
            if (id >= 0) {
                addFragment(out, start, end, id);
                continue;
            }
            int pos = start;
            while (true) {
                if (occurrence >= 0 && occurrence < pos) {
                    occurrence = text.indexOf(s.text, pos);
                }
                if (occurrence < 0 || occurrence + len > end) {
                    break;
                }
                if (occurrence > pos) {
                    addFragment(out, pos, occurrence, -1);
                }
                addFragment(out, occurrence, occurrence + len, s.id);
                pos = occurrence + len;
            }
            if (pos < end) {
                addFragment(out, pos, end, -1);
            }
        }
    }

    private static void addFragment(IntList out, int start, int end, int id) {
        out.add(start);
        out.add(end);
        out.add(id);
    }
}
