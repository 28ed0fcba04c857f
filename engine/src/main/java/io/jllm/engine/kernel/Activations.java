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
 *
 * <p>The SIMD quantizer ({@link ActivationQuantizer#quantizeSimd}) also fills layouts that make
 * the weight side of the SIMD dot products cheap: the same quants widened to 16 bits and permuted
 * into the order in which a vector load of packed weights presents its nibbles (one layout per
 * weight type, defined next to each kernel), and F16/BF16 activations as the floats they round to.
 * Converting activations is O(tokens x cols) once per matmul; the matmul is O(rows x tokens x cols).
 */
public final class Activations {
    /**
     * Where {@link #yT}'s data starts: 12 floats on, so that the GEMMs' (and the small-batch kernel's) 64-byte vectors start cache
     * lines where the array's elements start 16 bytes into one (the usual 64-bit array header).
     * That holds for an array of this size under G1 (the launcher's collector), which gives any
     * array over half a region a region of its own; elsewhere the loads are merely unaligned, as
     * they were. 512 tokens, one thread, calibration cycles per block and token: Q4_K 3072x1024
     * GEMM 27.5 and 28.3 without the offset, 24.0 and 26.1 with it; Q8_0 3.9 against 3.5.
     */
    static final int YT_PAD = 12;
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

    /** Whether the SIMD layouts below hold the current activations. */
    private boolean simdLayouts;
    /** Q8_K quants in {@link Q4KKernel}'s SIMD order, widened; token t at {@code t * cols}. */
    final short[] k4;
    /** Q8_K quants in {@link Q6KKernel}'s SIMD order with its bias terms; token t at {@code t * cols * 3 / 2}. */
    final short[] k6;
    /** Q8_K per-16 sums as floats in {@link Q4KKernel}'s min-term lane order; token t at {@code t * cols / 16}. */
    final float[] ksums;
    /** Q8_0 quants in {@link Q8_0Kernel}'s SIMD order, widened; token t at {@code t * cols}. */
    final short[] e8;
    /** Q8_0 quants in {@link Q4_0Kernel}'s SIMD order with its bias terms; token t at {@code t * cols * 5 / 4}. */
    final short[] n4;
    /** F16/BF16 activations as the floats they round to; token t at {@code t * cols}. */
    final float[] rounded;
    /** Q8_K quants transposed for {@link KQuantGemm} (batches of 32 or more): tokens side by side. */
    final float[] yT;
    /**
     * Q8_K quants as floats in {@link KQuantSmallBatch}'s two lane-ordered layouts (batches of a few
     * tokens), from {@link #YT_PAD} on: {@link #yT} itself, or grown on first use of a size where
     * that is too short.
     */
    float[] smallBatch = new float[0];
    /** Q8_K scales transposed likewise, or for {@link Block32Gemm} its Q8_0 scales (and {@link #yT} its quants). */
    final float[] dyT;
    /** {@link #ksums} transposed likewise. */
    final float[] ksT;

    /** @param capacity the most values (tokens x cols) one conversion will hold */
    public Activations(int capacity) {
        if (capacity <= 0 || capacity > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("activation capacity must be in 1.." + Integer.MAX_VALUE / 2 + ", got "
                    + capacity);
        }
        this.capacity = capacity;
        this.half = new short[capacity];
        this.qs = new byte[capacity];
        this.scales = new float[capacity / 32 + 1];
        this.bsums = new short[capacity / 16 + 1];
        this.k4 = new short[capacity];
        this.k6 = new short[capacity / 2 * 3 + 3];
        this.ksums = new float[capacity / 16 + 1];
        this.e8 = new short[capacity];
        this.n4 = new short[capacity / 4 * 5 + 5];
        this.rounded = new float[capacity];
        // transposed layouts pad the batch to a whole tile: at most twice the tokens when it is used
        this.yT = new float[2 * capacity + YT_PAD];
        this.dyT = new float[2 * (capacity / 32) + 2];
        this.ksT = new float[2 * (capacity / 16) + 2];
    }

    /**
     * {@link #smallBatch}, at least {@code YT_PAD + floats} long: {@link #yT} where that is long
     * enough (a batch takes either the small-batch path or the GEMM, never both), so that its
     * vectors are aligned as {@link #YT_PAD} says; else an array of its own.
     */
    float[] smallBatch(int floats) {
        if (smallBatch.length < YT_PAD + floats) {
            smallBatch = yT.length >= YT_PAD + floats ? yT : new float[YT_PAD + floats];
        }
        return smallBatch;
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
    void describe(GgmlType format, int tokens, int cols, boolean simdLayouts) {
        if (tokens < 1 || cols < 1 || (long) tokens * cols > capacity) {
            throw new IllegalArgumentException(tokens + " x " + cols + " activations do not fit the buffer capacity "
                    + capacity);
        }
        int block = format.blockSize();
        if (cols % block != 0) {
            throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + format
                    + " block size " + block);
        }
        this.format = format;
        this.tokens = tokens;
        this.cols = cols;
        this.simdLayouts = simdLayouts;
    }

    /**
     * Checks that these activations suit a SIMD kernel for weights of {@code cols} columns read
     * in {@code expected}: a clear error instead of a silently wrong product.
     */
    void requireSimd(GgmlType expected, int weightCols) {
        if (format != expected || !simdLayouts) {
            throw new IllegalStateException("SIMD kernel needs " + expected
                    + " activations from the SIMD quantizer, has "
                    + format + (simdLayouts ? "" : " without SIMD layouts"));
        }
        if (weightCols != cols) {
            throw new IllegalArgumentException("weights have " + weightCols + " columns, activations " + cols);
        }
    }

    /** As {@link #requireSimd} for the scalar reference kernels, which read only the plain buffers. */
    void require(GgmlType expected, int weightCols) {
        if (format != expected) {
            throw new IllegalStateException("kernel needs " + expected + " activations, has " + format);
        }
        if (weightCols != cols) {
            throw new IllegalArgumentException("weights have " + weightCols + " columns, activations " + cols);
        }
    }
}
