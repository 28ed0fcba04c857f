package io.jllm.engine.tokenizer;

/**
 * The merge table: (left token id, right token id) to the merge's rank and the id of the merged
 * token. Open addressing over primitive arrays, so a lookup neither allocates nor boxes.
 */
final class BpeMerges {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private int size;

    /** @param capacityHint the number of merges that will be added */
    BpeMerges(int capacityHint) {
        int capacity = Integer.highestOneBit(Math.max(16, capacityHint * 3)) << 1;
        keys = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        results = new int[capacity];
        mask = capacity - 1;
    }

    /**
     * Adds a merge unless the pair already has one: as in llama.cpp, the first (lowest-rank)
     * occurrence of a pair wins. Returns whether it was added.
     */
    boolean add(int left, int right, int rank, int result) {
        if (size * 2 >= keys.length) {
            throw new IllegalStateException("merge table full: more merges than the capacity hint");
        }
        long key = key(left, right);
        int slot = hash(key) & mask;
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        results[slot] = result;
        size++;
        return true;
    }

    int size() {
        return size;
    }

    /** The slot of the pair's merge, or -1 if the pair does not merge. */
    int find(int left, int right) {
        long key = key(left, right);
        int slot = hash(key) & mask;
        long k;
        while ((k = keys[slot]) != EMPTY) {
            if (k == key) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int result(int slot) {
        return results[slot];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 32) ^ (int) h;
    }
}
