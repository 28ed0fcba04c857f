package io.jllm.engine.sampling;

/**
 * A reusable array of candidate tokens, each packed with its logit into one {@code long} key whose natural
 * (signed) order is "more likely first, then lower token id first". Sorting and heaps then work on primitive
 * longs with no comparator, boxing or allocation, and ties always break toward the lower id.
 */
final class Candidates {
    final long[] keys;

    Candidates(int capacity) {
        keys = new long[capacity];
    }

    static long key(float logit, int token) {
        int bits = Float.floatToRawIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed int order == float order
        return ((long) ~ordered << 32) | token;          // ~ flips it: larger logits get smaller keys
    }

    static int token(long key) {
        return (int) key;
    }

    static float logit(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7FFFFFFF));
    }

    /**
     * Puts the {@code k} most likely tokens ({@code 0 < k <= vocabSize}) into {@code keys[0..k)}, best first, with
     * a bounded heap: most tokens cost one lane of a vector comparison against the current k-th best.
     */
    int selectTopK(float[] logits, int offset, int vocabSize, int k) {
        long[] h = keys;
        int size = 0;
        int token = 0;
        for (; token < vocabSize && size < k; token++) {
            siftUpMax(h, size++, key(logits[offset + token], token));
        }
        float worst = logit(h[0]);
        // Once full, a token must beat the k-th best strictly: a later token with an equal logit has a higher id
        // and loses the tie. The vector scan skips the (vast majority of) tokens that cannot get in.
        while ((token = LogitScan.nextAtLeast(logits, offset, token, vocabSize, Math.nextUp(worst))) < vocabSize) {
            h[0] = key(logits[offset + token], token);
            siftDownMax(h, 0, k);
            worst = logit(h[0]);
            token++;
        }
        // Heap sort: repeatedly moving the largest key (the worst candidate) to the end leaves them best first.
        for (int end = size - 1; end > 0; end--) {
            long top = h[0];
            h[0] = h[end];
            h[end] = top;
            siftDownMax(h, 0, end);
        }
        return size;
    }

    /** Puts every token whose logit is at least {@code floor} into {@code keys}, in token order; returns how many. */
    int gatherAtLeast(float[] logits, int offset, int vocabSize, float floor) {
        int n = 0;
        for (int token = 0; (token = LogitScan.nextAtLeast(logits, offset, token, vocabSize, floor)) < vocabSize;
                token++) {
            keys[n++] = key(logits[offset + token], token);
        }
        return n;
    }

    /** Makes {@code keys[0..size)} a min-heap: {@code keys[0]} is then the most likely candidate. */
    void heapifyMin(int size) {
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDownMin(keys, i, size);
        }
    }

    /**
     * Removes the best candidate from the min-heap {@code keys[0..size)} and parks it at {@code keys[size - 1]},
     * the slot the heap just gave up: popping j times leaves the j best at the end, best last.
     */
    void popMinToEnd(int size) {
        long best = keys[0];
        keys[0] = keys[size - 1];
        siftDownMin(keys, 0, size - 1);
        keys[size - 1] = best;
    }

    /** Reverses {@code keys[from..to)}. */
    void reverse(int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            long t = keys[i];
            keys[i] = keys[j];
            keys[j] = t;
        }
    }

    private static void siftUpMax(long[] h, int at, long key) {
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (h[parent] >= key) {
                break;
            }
            h[at] = h[parent];
            at = parent;
        }
        h[at] = key;
    }

    private static void siftDownMax(long[] h, int at, int size) {
        long key = h[at];
        int half = size >>> 1;
        while (at < half) {
            int child = 2 * at + 1;
            if (child + 1 < size && h[child + 1] > h[child]) {
                child++;
            }
            if (key >= h[child]) {
                break;
            }
            h[at] = h[child];
            at = child;
        }
        h[at] = key;
    }

    private static void siftDownMin(long[] h, int at, int size) {
        long key = h[at];
        int half = size >>> 1;
        while (at < half) {
            int child = 2 * at + 1;
            if (child + 1 < size && h[child + 1] < h[child]) {
                child++;
            }
            if (key <= h[child]) {
                break;
            }
            h[at] = h[child];
            at = child;
        }
        h[at] = key;
    }
}
