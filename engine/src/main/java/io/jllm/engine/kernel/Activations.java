package io.jllm.engine.kernel;

import io.jllm.gguf.GgmlType;

/**
 * The activations of {@code n} tokens ({@code cols} values each), converted once into the form that
 * one weight type's dot product consumes, as ggml does with each type's {@code vec_dot_type}:
 * F32 weights read floats, F16/BF16 weights read activations rounded to the same 16-bit format,
 * Q8_0 and Q4_0 weights read Q8_0 blocks, K-quants read Q8_K blocks (with per-16 sums, so the
 * Q4_K minimum term is an integer dot of mins and sums).
 *
 * <p>Buffers are plain heap arrays sized once for the largest batch and row, and reused for every
 * op: nothing here is allocated in the token loop. Token {@code t}'s data starts at
 * {@code t * cols} (values and quants), {@code t * cols / 32} (Q8_0 scales), {@code t * cols / 256}
 * (Q8_K scales) and {@code t * cols / 16} (Q8_K sums).
 */
public final class Activations {
    private final int capacity;
    private GgmlType format = GgmlType.F32;
    private int tokens;
    private int cols;

    /** F32 values (a reference to the caller's array: F32 needs no conversion). */
    float[] f32;
    /** F16 or BF16 bits. */
    final short[] half;
    /** Q8_0 / Q8_K quants. */
    final byte[] qs;
    /** Q8_0 scales (already rounded through fp16, as ggml stores them) or Q8_K scales. */
    final float[] scales;
    /** Q8_K sums of each 16 quants. */
    final short[] bsums;

    /** @param capacity the most values (tokens x cols) one conversion will hold */
    public Activations(int capacity) {
        this.capacity = capacity;
        this.half = new short[capacity];
        this.qs = new byte[capacity];
        this.scales = new float[capacity / 32 + 1];
        this.bsums = new short[capacity / 16 + 1];
    }

    public GgmlType format() {
        return format;
    }

    public int tokens() {
        return tokens;
    }

    public int cols() {
        return cols;
    }

    public float[] f32() {
        return f32;
    }

    public short[] half() {
        return half;
    }

    public byte[] qs() {
        return qs;
    }

    public float[] scales() {
        return scales;
    }

    public short[] bsums() {
        return bsums;
    }

    /** Records what the buffers now hold; called by the quantizers. */
    void describe(GgmlType format, int tokens, int cols) {
        if ((long) tokens * cols > capacity) {
            throw new IllegalArgumentException(tokens + " x " + cols + " activations exceed the buffer capacity "
                    + capacity);
        }
        this.format = format;
        this.tokens = tokens;
        this.cols = cols;
    }
}
