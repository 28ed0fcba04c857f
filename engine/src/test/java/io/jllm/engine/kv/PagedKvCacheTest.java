package io.jllm.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PagedKvCacheTest {
    @Test
    void sequencesGrowABlockAtATimeAndReturnEveryBlock() {
        try (PagedKvCache cache = new PagedKvCache(2, 2, 4, 4, 10, KvType.F32)) {
            KvSequence a = new KvSequence(cache);
            KvSequence b = new KvSequence(cache);
            assertTrue(a.reserve(5));
            assertEquals(2, a.blockCount());
            assertTrue(b.reserve(16));
            assertEquals(4, b.blockCount());
            assertEquals(6, cache.usedBlocks());
            Set<Long> slots = new HashSet<>();
            for (int p = 0; p < 5; p++) {
                slots.add(a.slot(p));
            }
            for (int p = 0; p < 16; p++) {
                slots.add(b.slot(p));
            }
            assertEquals(21, slots.size(), "two sequences must never share a slot");
            a.release();
            b.release();
            assertEquals(0, cache.usedBlocks());
            assertEquals(10, cache.freeBlocks());
        }
    }

    @Test
    void nonPositiveSizesAreRefusedByName() {
        int[][] bad = {{0, 2, 4, 4, 4}, {1, 0, 4, 4, 4}, {1, 2, -4, 4, 4}, {1, 2, 4, 0, 4}, {1, 2, 4, 4, 0}};
        for (int[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new PagedKvCache(b[0], b[1], b[2], b[3], b[4], KvType.F16));
            assertTrue(e.getMessage().contains("kvHeads=" + b[1] + " headDim=" + b[2]), e.getMessage());
        }
    }

    @Test
    void reserveFailsCleanlyWhenBlocksRunOut() {
        try (PagedKvCache cache = new PagedKvCache(1, 1, 4, 4, 3, KvType.F16)) {
            KvSequence a = new KvSequence(cache);
            assertFalse(a.reserve(13), "13 positions need 4 blocks of 4; only 3 exist");
            assertEquals(3, a.blockCount(), "what could be taken stays with the sequence");
            assertEquals(0, cache.freeBlocks());
            a.release();
            assertEquals(3, cache.freeBlocks());
        }
    }

    @Test
    void sharedBlocksAreFreedWithTheirLastOwner() {
        try (PagedKvCache cache = new PagedKvCache(1, 1, 4, 4, 4, KvType.F16)) {
            KvSequence a = new KvSequence(cache);
            assertTrue(a.reserve(4));
            int shared = a.block(0);
            cache.retain(shared);
            KvSequence b = new KvSequence(cache);
            b.appendBlock(shared);
            a.release();
            assertEquals(1, cache.usedBlocks());
            b.release();
            assertEquals(0, cache.usedBlocks());
            assertThrows(IllegalStateException.class, () -> cache.release(shared));
        }
    }

    @Test
    void storesAndReadsBackKeysAndValuesHeadByHead() {
        for (KvType type : KvType.values()) {
            try (PagedKvCache cache = new PagedKvCache(2, 2, 2, 2, 2, type)) {
                KvSequence s = new KvSequence(cache);
                assertTrue(s.reserve(3));
                float[] k = {1.5f, -2.25f, 0.1f, 1000f};
                float[] v = {-1f, 2f, 3.5f, -0.125f};
                cache.store(1, s.slot(2), k, 0, v, 0);
                for (int h = 0; h < 2; h++) {
                    long base = s.row(2, h);
                    assertEquals(cache.row(s.slot(2), h), base);
                    for (int i = 0; i < 2; i++) {
                        // F16 keeps 11 significant bits: 0.1 comes back within 2^-11 relative; the rest are exact.
                        float tol = type == KvType.F16 ? Math.abs(k[2 * h + i]) * 0x1p-11f : 0f;
                        assertEquals(k[2 * h + i], cache.read(cache.keys(1), base + i), tol);
                        assertEquals(v[2 * h + i], cache.read(cache.values(1), base + i), 0f);
                    }
                }
                assertNotEquals(cache.keys(0), cache.keys(1));
            }
        }
    }

    @Test
    void eachHeadsRowsOfABlockAreOneRunAndNoTwoRowsOverlap() {
        int heads = 3;
        int headDim = 4;
        int bs = 5;
        int blocks = 4;
        try (PagedKvCache cache = new PagedKvCache(1, heads, headDim, bs, blocks, KvType.F16)) {
            KvSequence s = new KvSequence(cache);
            assertTrue(s.reserve(blocks * bs));
            Set<Long> elements = new HashSet<>();
            for (int p = 0; p < blocks * bs; p++) {
                for (int h = 0; h < heads; h++) {
                    long row = s.row(p, h);
                    if (p % bs > 0) {
                        assertEquals(s.row(p - 1, h) + headDim, row, "a head's rows within a block follow each other");
                    }
                    for (int i = 0; i < headDim; i++) {
                        assertTrue(elements.add(row + i), "element " + (row + i) + " belongs to two rows");
                    }
                }
            }
            assertEquals(blocks * bs * heads * headDim, elements.size());
            assertTrue(elements.stream().allMatch(e -> e >= 0 && e < blocks * cache.blockStride()));
        }
    }
}
