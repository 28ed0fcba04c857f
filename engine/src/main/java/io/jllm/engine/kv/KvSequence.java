package io.jllm.engine.kv;

import java.util.Arrays;

/**
 * One sequence's view of the paged cache: its block table and how many positions hold keys and
 * values. Position {@code p} lives in block {@code table[p / blockSize]} at offset
 * {@code p % blockSize}.
 */
public final class KvSequence {
    private final PagedKvCache cache;
    /** The cache's layout, copied so that {@link #row} is a few multiplies (it runs per position in attention). */
    private final int blockSize;
    private final long blockStride;
    private final long headStride;
    private final int rowStride;
    private int[] table = new int[8];
    private int blockCount;
    private int length;

    public KvSequence(PagedKvCache cache) {
        this.cache = cache;
        this.blockSize = cache.blockSize();
        this.blockStride = cache.blockStride();
        this.headStride = cache.headOffset(1);
        this.rowStride = cache.rowStride();
    }

    /** Positions whose keys and values are stored. */
    public int length() {
        return length;
    }

    public int blockCount() {
        return blockCount;
    }

    public int block(int i) {
        return table[i];
    }

    /** Marks positions below {@code length} as computed (after a forward pass wrote them). */
    public void setLength(int length) {
        if (length < 0 || length > blockCount * cache.blockSize()) {
            throw new IllegalArgumentException("length " + length + " outside the " + blockCount + " blocks held");
        }
        this.length = length;
    }

    /**
     * Makes room for positions below {@code positions}, taking blocks as needed. Returns false
     * (keeping what it took) when the cache has too few free blocks.
     */
    public boolean reserve(int positions) {
        int needed = (positions + cache.blockSize() - 1) / cache.blockSize();
        while (blockCount < needed) {
            int block = cache.allocate();
            if (block < 0) {
                return false;
            }
            appendBlock(block);
        }
        return true;
    }

    /** Blocks still to take for {@code positions} positions. */
    public int blocksNeeded(int positions) {
        return Math.max(0, (positions + cache.blockSize() - 1) / cache.blockSize() - blockCount);
    }

    /** Appends a block the caller already owns a reference to (a shared prefix block). */
    public void appendBlock(int block) {
        if (blockCount == table.length) {
            table = Arrays.copyOf(table, table.length * 2);
        }
        table[blockCount++] = block;
    }

    /** The cache slot of position {@code p}. */
    public long slot(int p) {
        return (long) table[p / blockSize] * blockSize + p % blockSize;
    }

    /** Where head {@code kvHead}'s row of position {@code p} starts in a layer's keys or values. */
    public long row(int p, int kvHead) {
        return table[p / blockSize] * blockStride + kvHead * headStride + (long) (p % blockSize) * rowStride;
    }

    /** Returns every block to the cache; the sequence is empty afterwards. */
    public void release() {
        for (int i = 0; i < blockCount; i++) {
            cache.release(table[i]);
        }
        blockCount = 0;
        length = 0;
    }
}
