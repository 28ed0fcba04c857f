package io.jllm.engine.tokenizer;

/**
 * The merge table: (left token id, right token id) to the merge's rank and the id of the merged
 * token. Open addressing over one primitive array that keeps each key next to its value, so a
 * lookup touches one cache line and neither allocates nor boxes.
 */
final class BpeMerges {
    private static final long EMPTY = -1L;

    /** Slot i: key at [2i] (left << 32 | right), value at [2i + 1] (rank << 32 | result). */
    private final long[] table;
    private final int mask;
    private int size;

    /** @param capacityHint the number of merges that will be added */
    BpeMerges(int capacityHint) {
        // A power of two with the hinted load at most 2/3 (0.58 for Qwen3's 151,387 merges).
        int slots = Integer.highestOneBit(Math.max(8, capacityHint + capacityHint / 2)) << 1;
        table = new long[2 * slots];
        for (int i = 0; i < table.length; i += 2) {
            table[i] = EMPTY;
        }
        mask = slots - 1;
    }

    /**
     * Adds a merge unless the pair already has one: as in llama.cpp, the first (lowest-rank)
     * occurrence of a pair wins. Returns whether it was added.
     */
    boolean add(int left, int right, int rank, int result) {
        if (size >= (mask + 1) / 4 * 3) {
            throw new IllegalStateException("merge table full: more merges than the capacity hint");
        }
        long key = key(left, right);
        int slot = hash(key) & mask;
        while (table[2 * slot] != EMPTY) {
            if (table[2 * slot] == key) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        table[2 * slot] = key;
        table[2 * slot + 1] = ((long) rank << 32) | (result & 0xFFFF_FFFFL);
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
        while ((k = table[2 * slot]) != EMPTY) {
            if (k == key) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int rank(int slot) {
        return (int) (table[2 * slot + 1] >>> 32);
    }

    int result(int slot) {
        return (int) table[2 * slot + 1];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 32) ^ (int) h;
    }
}
