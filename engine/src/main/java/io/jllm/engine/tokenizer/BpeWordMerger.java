package io.jllm.engine.tokenizer;

import java.util.Arrays;

/**
 * Byte-pair merging of one pre-token: starting from one token per byte, repeatedly merges the
 * adjacent pair with the lowest merge rank, the leftmost on ties, until no pair merges. This is the
 * order of llama.cpp's llm_tokenizer_bpe_session and of Hugging Face's BPE model.
 *
 * <p>Symbols live in a linked list over arrays and candidate pairs in a binary min-heap keyed by
 * (rank, position of the left symbol), so a word of n bytes costs O(n log n); stale heap entries
 * are recognised on pop because a rank names exactly one pair. Not thread-safe: one per encode call.
 */
final class BpeWordMerger {
    private final BpeMerges merges;
    private int[] symbol = new int[64];
    private int[] next = new int[64];
    private int[] prev = new int[64];
    private long[] heap = new long[128];
    private int heapSize;

    BpeWordMerger(BpeMerges merges) {
        this.merges = merges;
    }

    /**
     * Merges {@code ids[0..count)} (one token id per byte of the word) and appends the resulting
     * token ids to {@code out}.
     */
    void merge(int[] ids, int count, IntList out) {
        if (count == 1) {
            out.add(ids[0]);
            return;
        }
        ensureCapacity(count);
        for (int i = 0; i < count; i++) {
            symbol[i] = ids[i];
            next[i] = i + 1 < count ? i + 1 : -1;
            prev[i] = i - 1;
        }
        heapSize = 0;
        for (int i = 0; i + 1 < count; i++) {
            pushPair(i, i + 1);
        }
        while (heapSize > 0) {
            long top = pop();
            int left = (int) top;
            int rank = (int) (top >>> 32);
            int right = next[left];
            if (right < 0 || symbol[left] < 0) {
                continue;
            }
            int slot = merges.find(symbol[left], symbol[right]);
            if (slot < 0 || merges.rank(slot) != rank) {
                continue; // the pair changed since this entry was pushed
            }
            symbol[left] = merges.result(slot);
            symbol[right] = -1;
            int after = next[right];
            next[left] = after;
            if (after >= 0) {
                prev[after] = left;
                pushPair(left, after);
            }
            if (prev[left] >= 0) {
                pushPair(prev[left], left);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(symbol[i]);
        }
    }

    private void pushPair(int left, int right) {
        int slot = merges.find(symbol[left], symbol[right]);
        if (slot >= 0) {
            push(((long) merges.rank(slot) << 32) | left);
        }
    }

    private void push(long entry) {
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heap.length * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    private long pop() {
        long top = heap[0];
        long last = heap[--heapSize];
        int i = 0;
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }

    private void ensureCapacity(int count) {
        if (symbol.length < count) {
            int n = Math.max(count, symbol.length * 2);
            symbol = new int[n];
            next = new int[n];
            prev = new int[n];
        }
    }
}
