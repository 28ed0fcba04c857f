package io.jllm.engine.model;

import io.jllm.engine.kv.KvSequence;

/**
 * The tokens of one forward pass: any mix of sequences, each token at its own position in its own
 * sequence's KV cache, and a flag for the tokens whose next-token logits are wanted (the last
 * token of each sequence's chunk). Reused step after step: {@link #clear} and {@link #add}
 * allocate nothing.
 */
public final class ForwardBatch {
    private final int capacity;
    private int size;
    private int logitRows;
    final int[] tokens;
    final int[] positions;
    final KvSequence[] sequences;
    /** Row of the logits output for each token, or -1. */
    final int[] logitRow;
    /** Token index of each logits row. */
    final int[] rowToken;

    public ForwardBatch(int capacity) {
        this.capacity = capacity;
        this.tokens = new int[capacity];
        this.positions = new int[capacity];
        this.sequences = new KvSequence[capacity];
        this.logitRow = new int[capacity];
        this.rowToken = new int[capacity];
    }

    public void clear() {
        java.util.Arrays.fill(sequences, 0, size, null);
        size = 0;
        logitRows = 0;
    }

    /**
     * Adds {@code token} at {@code position} of {@code sequence}; returns the logits row it will
     * fill, or -1 when {@code wantLogits} is false.
     */
    public int add(int token, int position, KvSequence sequence, boolean wantLogits) {
        if (size == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        }
        tokens[size] = token;
        positions[size] = position;
        sequences[size] = sequence;
        int row = -1;
        if (wantLogits) {
            row = logitRows++;
            rowToken[row] = size;
        }
        logitRow[size] = row;
        size++;
        return row;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int logitRows() {
        return logitRows;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    public KvSequence sequence(int i) {
        return sequences[i];
    }
}
