package io.jllm.engine.tokenizer;

/**
 * A bounded, lock-free cache from a pre-token's text to its token ids, so frequent words skip the
 * merge loop. Direct-mapped: each text has one slot and a newer word evicts the older. Entries are
 * immutable and published by a plain array store, which the final fields make safe to read from
 * any thread; a lost race only costs a recomputation. A hit allocates nothing.
 */
final class WordCache {
    /** Longer pre-tokens are rare enough that caching them would only evict useful entries. */
    static final int MAX_WORD_CHARS = 64;

    private record Entry(String word, int hash, int[] ids) {
    }

    private final Entry[] slots;
    private final int mask;

    /** @param capacity a power of two */
    WordCache(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        slots = new Entry[capacity];
        mask = capacity - 1;
    }

    /** The hash that {@link #get} and {@link #put} take for {@code text[from..to)}. */
    static int hash(String text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h ^ (h >>> 15);
    }

    /** The ids cached for {@code text[from..to)}, or null. The caller must not modify the array. */
    int[] get(String text, int from, int to, int hash) {
        Entry e = slots[hash & mask];
        if (e != null && e.hash == hash && e.word.length() == to - from
                && text.regionMatches(from, e.word, 0, to - from)) {
            return e.ids;
        }
        return null;
    }

    void put(String text, int from, int to, int hash, int[] ids) {
        slots[hash & mask] = new Entry(text.substring(from, to), hash, ids);
    }
}
