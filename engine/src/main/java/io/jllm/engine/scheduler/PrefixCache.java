package io.jllm.engine.scheduler;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Automatic prefix caching, as vLLM does it: every full KV block is registered under a hash
 * of its tokens chained with its predecessor's, and a new prompt starting with the same blocks
 * shares them by reference count instead of recomputing them (a shared system prompt is computed
 * once). The cache keeps one reference to each registered block, so it outlives the sequence
 * that computed it; when the KV pool runs dry, unreferenced cached blocks are evicted least
 * recently used first.
 *
 * <p>Matches are exact, not just hash-equal: an entry stores its tokens and the entry it follows,
 * and both are compared. Scheduler thread only.
 */
final class PrefixCache {
    private static final class Entry {
        final long hash;
        final int block;
        final int[] tokens;
        final Entry parent;
        /** Blocks in the chain up to and including this one. */
        final int depth;

        Entry(long hash, int block, int[] tokens, Entry parent) {
            this.hash = hash;
            this.block = block;
            this.tokens = tokens;
            this.parent = parent;
            this.depth = parent == null ? 1 : parent.depth + 1;
        }
    }

    private final PagedKvCache cache;
    private final int blockSize;
    /** hash -> entry, in least-recently-used order. */
    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
    /** The entry of each block a sequence registered, to chain the next one; per sequence. */
    private final Map<KvSequence, Entry> lastRegistered = new HashMap<>();

    PrefixCache(PagedKvCache cache) {
        this.cache = cache;
        this.blockSize = cache.blockSize();
    }

    int cachedBlocks() {
        return entries.size();
    }

    /**
     * Gives {@code seq} (empty) the cached blocks that hold a prefix of {@code tokens}, leaving at
     * least one token to compute (the last one's logits are needed). Returns the tokens covered.
     */
    int attach(KvSequence seq, int[] tokens, int length) {
        int usable = (length - 1) / blockSize;
        Entry parent = null;
        long hash = 0;
        int matched = 0;
        for (int b = 0; b < usable; b++) {
            hash = chain(hash, tokens, b * blockSize);
            Entry e = entries.get(hash);
            if (e == null || e.parent != parent || !Arrays.equals(e.tokens, 0, blockSize, tokens, b * blockSize,
                    (b + 1) * blockSize)) {
                break;
            }
            cache.retain(e.block);
            seq.appendBlock(e.block);
            parent = e;
            matched++;
        }
        if (matched > 0) {
            seq.setLength(matched * blockSize);
            lastRegistered.put(seq, parent);
        }
        return matched * blockSize;
    }

    /** Registers the full blocks {@code seq} has computed since the last call. */
    void register(KvSequence seq, int[] tokens) {
        int full = seq.length() / blockSize;
        Entry parent = lastRegistered.get(seq);
        int done = parent == null ? 0 : parent.depth;
        if (done >= full) {
            return;
        }
        long hash = parent == null ? 0 : parent.hash;
        for (int b = done; b < full; b++) {
            hash = chain(hash, tokens, b * blockSize);
            int block = seq.block(b);
            Entry existing = entries.get(hash);
            if (existing != null && existing.parent == parent
                    && Arrays.equals(existing.tokens, 0, blockSize, tokens, b * blockSize, (b + 1) * blockSize)) {
                parent = existing;
                continue;
            }
            if (existing != null) {
                // A hash collision or a stale chain: the newer block wins the slot.
                entries.remove(hash);
                cache.release(existing.block);
            }
            cache.retain(block);
            Entry e = new Entry(hash, block, Arrays.copyOfRange(tokens, b * blockSize, (b + 1) * blockSize), parent);
            entries.put(hash, e);
            parent = e;
        }
        lastRegistered.put(seq, parent);
    }

    /** Forgets a sequence that released its blocks (its cached blocks stay cached). */
    void forget(KvSequence seq) {
        lastRegistered.remove(seq);
    }

    /** Cached blocks no sequence uses: free for the taking (evicted on demand). */
    int evictableBlocks() {
        int n = 0;
        for (Entry e : entries.values()) {
            if (cache.refCount(e.block) == 1) {
                n++;
            }
        }
        return n;
    }

    /** Frees the least recently used block that only the cache holds; false if there is none. */
    boolean evictOne() {
        Iterator<Map.Entry<Long, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (cache.refCount(e.block) == 1) {
                it.remove();
                cache.release(e.block);
                return true;
            }
        }
        return false;
    }

    /** Drops every entry (and the cache's references). */
    void clear() {
        for (Entry e : entries.values()) {
            cache.release(e.block);
        }
        entries.clear();
        lastRegistered.clear();
    }

    private long chain(long previous, int[] tokens, int from) {
        long h = previous * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (int i = from; i < from + blockSize; i++) {
            h ^= tokens[i];
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }
}
