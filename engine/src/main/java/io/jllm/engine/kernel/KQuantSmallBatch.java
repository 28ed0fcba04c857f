package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * K-quant matmuls for small and medium batches (4 to 255 tokens at 512 bits; at 256 bits
 * {@link KQuantSmallBatch256}, 5 to 191 tokens: one decode token per running sequence, and the
 * prefill chunks of mixed steps): each weight block is dequantized once per call to floats
 * {@code q*scale} (exact small integers) and applied to groups of {@link #GROUP} tokens, where the
 * per-token integer kernels would decode the packed nibbles again for every token and the tile
 * GEMM ({@link KQuantGemm}) pays a per-call dequantization and interleave that only a few hundred
 * tokens amortize.
 *
 * <p>Here (at 512 bits) a vector's 16 lanes are the 16 canonical half-lanes of a block ({@link Q4KKernel},
 * {@link Q6KKernel}): a block's 256 weights are laid out as 16 "steps" of 16 lanes, step {@code s}
 * holding one weight of every half-lane, and the activations of each token in the same order
 * (a layout per weight type, since the two types' lanes differ). Sixteen fma per (row, token,
 * block) then leave the exact half-lane sums {@code S_L} (integers of at most 2^23, so any order
 * gives the same bits) in one register. The fold adds half-lanes {@code j} and {@code j+8} (exact,
 * at most 2^24) into the canonical lane {@code j}, two tokens' 8 lanes in one vector, and applies the
 * canonical {@code fma(d*dy, S'_j, acc)} (and the Q4_K min term); the 8 lane accumulators of each
 * (row, token) are finally reduced with the canonical tree: the reference's bits, whatever the batch.
 *
 * <p>Which lanes a packed block byte feeds makes the layout cheap to decode: read as 16 ints, the
 * 64 nibble bytes of a Q4_K chunk pair (or of a Q6_K half's ql) give int lane {@code j} the four
 * bytes of canonical lane {@code j}, so step {@code (half, nibble, byte)} is one shift and one and.
 *
 * <p>Three rows share every activation load (24 lane-sum registers: 3 rows x 8 tokens); the lane
 * accumulators live in per-thread scratch, touched once per block. A pass takes
 * {@link #PASS_ROWS} rows block by block, dequantizing the block of its rows just before use, so
 * the block's weights and activations are in L1 for all of them. A heap array's elements start 16
 * bytes into a cache line, so a full-vector load would straddle two; the activations live in the
 * region-aligned transposed buffer ({@link Activations#YT_PAD}) and the weights, lane sums, mins
 * and accumulators in one aligned scratch array ({@link AlignedFloats}), each part starting a line
 * (an off-heap aligned copy was tried first: C2 boxed the vectors; aligning the sums, mins and
 * accumulators too took 8-token calls from 24.6 to 23.0 cycles per block and token, 40-token ones
 * from 21.6 to 19.0, bench/KERNELS.md).
 */
final class KQuantSmallBatch {
    private static final VectorSpecies<Float> FS = Simd.F512;
    private static final VectorSpecies<Integer> IS = Simd.I512;
    /** Tokens per pass over the dequantized rows. */
    static final int GROUP = 8;
    /** Canonical lanes of a block: accumulators per (row, token), at either width. */
    static final int LANES = 8;
    /** Real tokens up to which a (last) group takes the half-width register block. */
    static final int HALF_GROUP = 4;
    /** The most trailing tokens {@link #matvecTail} hands to the matrix-vector kernels. */
    static final int MATVEC_TAIL = 2;
    /**
     * Rows per pass, sharing every activation load: 3 x 8 lane sums take 24 of AVX-512's 32
     * registers, and 11 loads per 24 fma keep the loads (each may straddle two cache lines: heap
     * arrays are not 64-byte aligned) from bounding the loop as much (2 rows, 10 loads per 16 fma:
     * 38 against 30 cycles per Q4_K block and token, bench/KERNELS.md).
     */
    static final int ROWS = 3;
    /**
     * Row triples per pass. A pass walks the blocks and dequantizes each block of its rows just
     * before use, so a block's weights (1 KiB per row) and a group's activations of that block
     * (8 KiB) are both in L1 for every triple. One triple per pass with whole rows dequantized first
     * streamed the activations of the whole row (32-96 KiB) from L2 once per three rows; four
     * triples with whole rows dequantized first helped wide rows and hurt narrow ones, whose 48
     * KiB of weights no longer stayed in L1.
     */
    static final int TRIPLES = 4;
    /** Rows per pass. */
    static final int PASS_ROWS = ROWS * TRIPLES;
    /**
     * Where the pass's dequantized weights start in {@link Scratch#weights}, so that their 64-byte
     * loads are aligned ({@link AlignedFloats}).
     */
    static final int W0 = AlignedFloats.PAD;
    /** Where one block's lane sums start in {@link Scratch#buf}. */
    static final int SUMS = W0 + PASS_ROWS * 256;
    /** Where the pass's per-lane Q4_K mins start in {@link Scratch#buf}. */
    static final int MINS = SUMS + ROWS * GROUP * 16;
    /** Where the lane accumulators start in {@link Scratch#buf}. */
    static final int ACC = MINS + PASS_ROWS * 16;
    /** Floats per block and token group in the activation layout. */
    static final int GROUP_BLOCK = 256 * GROUP;
    /**
     * The smallest batch this path takes; smaller ones run token by token on the integer kernels,
     * which need no padding. Measured in one JVM against token by token (cputime
     * --compare-small-batch, 3072x1024): 4 tokens (a half-width group, {@link #HALF_GROUP}) 1.24x
     * (Q6_K 1.09x, the cold LM head 1.26x; 0.84x and 0.91x when 4 tokens paid for 8), 3 tokens
     * 0.86x (0.92x), 8 1.5-1.7x; rows of 2048-3072 weights gain more since passes keep each
     * block's activations in L1. At 256 bits ({@link KQuantSmallBatch256}, -XX:UseAVX=2): Q4_K
     * 5 tokens 0.69x, 6 0.96x, 7 1.13x, 8 1.26x; Q6_K 5 tokens 1.54x, 8 2.2x (its integer kernel
     * is the slower one there); with the tokens across the lanes (fifteenth session) Q4_K 4
     * tokens 1.02x, 5: 1.23x, 6: 1.53x; Q6_K 1.27x, 1.57x, 1.91x. {@code jllm.smallBatch.minTokens}
     * overrides it.
     */
    private static volatile int minTokens = Math.max(1, Integer.getInteger("jllm.smallBatch.minTokens",
            Simd.WIDE ? 4 : 5));

    /** The weight (within its block) at layout position {@code s*16 + lane}, Q4_K and Q6_K. */
    static final int[] Q4K_AT = layout(true);
    static final int[] Q6K_AT = layout(false);
    /** Lanes 0-7 of two int vectors side by side, and lanes 8-15 (indexes below 0 pick the second). */
    private static final VectorShuffle<Integer> FIRST_HALVES =
            VectorShuffle.fromOp(IntVector.SPECIES_512, i -> i < 8 ? i : i - 8 - 16);
    private static final VectorShuffle<Integer> SECOND_HALVES =
            VectorShuffle.fromOp(IntVector.SPECIES_512, i -> i < 8 ? i + 8 : i - 16);

    /** Per lane j: 0 (lanes 0-7) or 16 (lanes 8-15), the bit offset of the second Q4_K scale of a pair. */
    private static final IntVector HALF_SHIFT = IntVector.fromArray(IS, perLane(j -> j < 8 ? 0 : 16), 0);
    /** Per lane j: 8*(j%4), the byte of an int a min comes from. */
    private static final IntVector QUARTER_SHIFT = IntVector.fromArray(IS, perLane(j -> 8 * (j % 4)), 0);
    /** Lanes whose Q4_K min comes from the packed mins' upper int (mins 4-7). */
    private static final VectorMask<Integer> UPPER_MINS = VectorMask.fromLong(IS, 0xF0F0);
    /** Per lane j: 24 - 8*(2*(j/8) + (j/4)%2), the left shift that brings lane j's Q6_K scale byte to the top. */
    private static final IntVector Q6_SCALE_SHIFT = IntVector.fromArray(IS,
            perLane(j -> 24 - 8 * (2 * (j / 8) + (j / 4) % 2)), 0);
    /** Per lane j: 2*(j/8), the shift that brings lane j's Q6_K high bits to the bottom of each byte. */
    private static final IntVector QH_SHIFT = IntVector.fromArray(IS, perLane(j -> 2 * (j / 8)), 0);
    private static final VectorShuffle<Integer> QH_LO = VectorShuffle.fromOp(IS, j -> j % 8);
    private static final VectorShuffle<Integer> QH_HI = VectorShuffle.fromOp(IS, j -> 8 + j % 8);
    /** The bits of the float 2^23: or-ed with an integer q below 2^23, they make the float 2^23 + q. */
    static final int MAGIC = 0x4B000000;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private KQuantSmallBatch() {
    }

    static final class Scratch {
        /**
         * The pass's vector scratch in one aligned array ({@link AlignedFloats}), each part starting a
         * cache line: from {@link KQuantSmallBatch#W0} the current block of the pass's rows
         * dequantized (row r at {@code r*256}: 16 steps of 16 lanes); from
         * {@link KQuantSmallBatch#SUMS} one block's exact half-lane sums of a row triple, row r,
         * token t at {@code (r*GROUP + t)*16} (at 256 bits one canonical lane's sums of the pass's
         * rows, then their d*dy and -(dmin*dy)); from {@link KQuantSmallBatch#MINS}, per row of the
         * pass (Q4_K), the min of each half-lane L's sub-block, {@code min_{L%8}}; from
         * {@link KQuantSmallBatch#ACC} the 8 canonical lane accumulators, group g, row r of the
         * pass, token t at {@code ((g*PASS_ROWS + r)*GROUP + t)*8} (two tokens to a vector; at 256
         * bits lane j at {@code ((g*PASS_ROWS + r)*8 + j)*GROUP + t}).
         */
        float[] buf = AlignedFloats.allocate(ACC - W0);
        /** Per row of the pass, of the current block: d and (Q4_K) dmin, at {@code [2r]} and {@code [2r + 1]}. */
        final float[] scales = new float[2 * PASS_ROWS];
        /** Two tokens' sums on their way out of a vector (0-15), then the group's sums (16 ..). */
        final float[] out = new float[16 + GROUP];

        void ensure(int groups) {
            int floats = ACC - W0 + groups * PASS_ROWS * GROUP * LANES;
            if (buf.length < W0 + floats) {
                buf = AlignedFloats.allocate(floats);
            }
        }
    }

    private static int[] perLane(java.util.function.IntUnaryOperator f) {
        int[] v = new int[16];
        for (int j = 0; j < 16; j++) {
            v[j] = f.applyAsInt(j);
        }
        return v;
    }

    /**
     * Step {@code s = 8*half + 4*nibble + k} of canonical lane {@code j}: Q4_K chunk
     * {@code c = 2*half + j/8}, byte {@code i = 4*(j%8) + k}, low or high nibble; Q6_K half
     * {@code h = half}, ql byte {@code m = 32*(j/8) + 4*(j%8) + k}, low or high nibble.
     */
    private static int[] layout(boolean q4k) {
        int[] at = new int[256];
        for (int s = 0; s < 16; s++) {
            int half = s >> 3;
            int nibble = (s >> 2) & 1;
            int k = s & 3;
            for (int j = 0; j < 16; j++) {
                int i = 4 * (j % 8) + k;
                at[s * 16 + j] = q4k
                        ? 128 * half + 64 * (j / 8) + 32 * nibble + i
                        : 128 * half + 64 * nibble + 32 * (j / 8) + i;
            }
        }
        return at;
    }

    /** Tokens padded to whole groups. */
    static int paddedTokens(int tokens) {
        return (tokens + GROUP - 1) / GROUP * GROUP;
    }

    /**
     * Whether a batch of {@code tokens} takes this path: decided alike by the quantizer, which fills
     * the layouts, and the kernels, which read them.
     */
    static boolean suits(int tokens) {
        return tokens >= minTokens && !KQuantGemm.suits(tokens) && !KQuantRowGemm.suits(tokens);
    }

    /**
     * At 256 bits, the tokens past the last whole group that the matrix-vector kernels take instead
     * (0 where none): a group costs the same with 1 real token as with 8 (the tokens lie across the
     * lanes), about 4.3x one Q4_K matrix-vector product and 3.1x a Q6_K one (calibration cycles per
     * block: 8 x 33-34 against 62 and 86), so 1 or 2 trailing tokens are cheaper one by one
     * (measured per block and token, 3072x1024: 9 tokens Q4_K 48.5 -> 36.4, Q6_K 48.2 -> 39.3; 10
     * tokens 43.9 -> 38.5 and 44.5 -> 43.7). Same bits either way. Decided alike by the quantizer,
     * which lays out those tokens for the matrix-vector kernels, and the kernels.
     */
    static int matvecTail(int tokens) {
        if (Simd.WIDE || tokens <= GROUP) {
            return 0;
        }
        int rest = tokens % GROUP;
        return rest <= MATVEC_TAIL ? rest : 0;
    }

    /** The smallest batch this path takes. */
    static int minTokens() {
        return minTokens;
    }

    /**
     * Sets the smallest batch this path takes (at least 1) and returns the old one (for benchmarks
     * comparing paths).
     */
    static int minTokens(int tokens) {
        int old = minTokens;
        minTokens = Math.max(1, tokens);
        return old;
    }

    /**
     * The quants of every token as floats in both weight types' layouts, in {@link Activations#smallBatch}:
     * Q4_K's at {@link Activations#YT_PAD}, Q6_K's after the whole padded batch; at 512 bits within
     * each, position {@code (((g*blocks + b)*16 + s)*GROUP + t)*16 + lane} for token
     * {@code g*GROUP + t}, so one step of a group's tokens is 8 consecutive vectors; at 256 bits the
     * tokens side by side instead ({@link #layoutTokenLanes}). Padding tokens repeat the last real one
     * (any finite values do: their results are never stored).
     */
    static void layoutActivations(Activations a, int tokens, int cols) {
        int blocks = cols / 256;
        int q6 = paddedTokens(tokens) * cols;
        if (!Simd.WIDE) {
            layoutTokenLanes(a, tokens, cols, q6);
            return;
        }
        float[] yT = a.smallBatch(2 * q6);
        for (int g = 0; g < paddedTokens(tokens) / GROUP; g++) {
            for (int t = 0; t < GROUP; t++) {
                int token = Math.min(g * GROUP + t, tokens - 1);
                for (int b = 0; b < blocks; b++) {
                    layoutBlock(a.qs, token * cols + b * 256, yT, Activations.YT_PAD + (g * blocks + b) * GROUP_BLOCK + t * 16, q6);
                }
            }
        }
    }

    /**
     * One token's block of quants into both layouts ({@link #Q4K_AT}, {@link #Q6K_AT}). For steps
     * {@code s = 4*(2*half + nibble) + k} both maps take byte {@code k} of 16 consecutive little-endian
     * ints: Q6_K's are the 64 bytes at {@code 128*half + 64*nibble}, Q4_K's the 32 at
     * {@code 128*half + 32*nibble} followed by the 32 at 64 bytes on. So per (half, nibble) one int
     * vector serves four steps, each a shift pair (sign-extending the byte) and a conversion: a
     * tenth of the instructions of the index-table copy it replaced.
     */
    private static void layoutBlock(byte[] qs, int src, float[] yT, int dst, int q6) {
        for (int half = 0; half < 2; half++) {
            int at = src + 128 * half;
            IntVector lo = ByteVector.fromArray(ByteVector.SPECIES_512, qs, at).reinterpretAsInts();
            IntVector hi = ByteVector.fromArray(ByteVector.SPECIES_512, qs, at + 64).reinterpretAsInts();
            for (int nibble = 0; nibble < 2; nibble++) {
                IntVector q4 = lo.rearrange(nibble == 0 ? FIRST_HALVES : SECOND_HALVES, hi);
                IntVector q6v = nibble == 0 ? lo : hi;
                int s0 = 4 * (2 * half + nibble);
                for (int k = 0; k < 4; k++) {
                    int out = dst + (s0 + k) * GROUP * 16;
                    int left = 24 - 8 * k;
                    ((FloatVector) q4.lanewise(VectorOperators.LSHL, left).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).intoArray(yT, out);
                    ((FloatVector) q6v.lanewise(VectorOperators.LSHL, left).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).intoArray(yT, q6 + out);
                }
            }
        }
    }

    /**
     * {@link #layoutActivations} for {@link KQuantSmallBatch256#tokenLanes}: position
     * {@code ((g*blocks + b)*256 + s*16 + lane)*GROUP + t} for token {@code g*GROUP + t} (the group's
     * tokens side by side), Q6_K's {@code q6} further on; after both, from {@code extra} (see
     * {@link #tokenLaneExtra}), each (group, block)'s 8 Q8_K scales {@code dy}, then its Q4_K
     * min-term sums, lane by lane with the tokens side by side. Padding tokens repeat the last real one.
     */
    private static void layoutTokenLanes(Activations a, int tokens, int cols, int q6) {
        int blocks = cols / 256;
        int groups = paddedTokens(tokens) / GROUP;
        int extra = tokenLaneExtra(q6);
        float[] yT = a.smallBatch(extra - Activations.YT_PAD + groups * blocks * GROUP * 17);
        int sums = extra + groups * blocks * GROUP;
        for (int g = 0; g < groups; g++) {
            for (int t = 0; t < GROUP; t++) {
                int token = Math.min(g * GROUP + t, tokens - 1);
                for (int b = 0; b < blocks; b++) {
                    int src = token * cols + b * 256;
                    int gb = g * blocks + b;
                    int dst = Activations.YT_PAD + gb * GROUP_BLOCK + t;
                    for (int p = 0; p < 256; p++) {
                        yT[dst + p * GROUP] = a.qs[src + Q4K_AT[p]];
                        yT[q6 + dst + p * GROUP] = a.qs[src + Q6K_AT[p]];
                    }
                    int k = token * blocks + b;
                    yT[extra + gb * GROUP + t] = a.scales[k];
                    for (int lane = 0; lane < 16; lane++) {
                        yT[sums + (gb * 16 + lane) * GROUP + t] = a.ksums[k * 16 + lane];
                    }
                }
            }
        }
    }

    /** Where {@link #layoutTokenLanes} puts the scales and sums, for {@code q6} floats per layout. */
    static int tokenLaneExtra(int q6) {
        return Activations.YT_PAD + 2 * q6;
    }

    static void q4k(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, true);
    }

    static void q6k(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride) {
        run(w, r0, r1, a, y, stride, false);
    }

    /**
     * The passes over the rows, at either width ({@link Simd#WIDE} is a constant to C2, so each
     * width compiles to its own kernels): the 512-bit kernels here take rows in triples, the
     * 256-bit one ({@link KQuantSmallBatch256}) all of a pass's rows at once.
     */
    private static void run(WeightTensor w, int r0, int r1, Activations a, float[] y, int stride, boolean q4k) {
        int cols = w.cols();
        int blocks = cols / 256;
        int tokens = a.tokens() - matvecTail(a.tokens());
        int groups = paddedTokens(tokens) / GROUP;
        Scratch scratch = SCRATCH.get();
        scratch.ensure(groups);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        long blockBytes = q4k ? Q4KKernel.BLOCK_BYTES : Q6KKernel.BLOCK_BYTES;
        int q6 = paddedTokens(tokens) * cols;
        int yOff = Activations.YT_PAD + (q4k ? 0 : q6);
        for (int row = r0; row < r1; row += PASS_ROWS) {
            // past the last row the last triple (at 256 bits: row) repeats it: computed again, stored once
            int last = Math.min(row + PASS_ROWS, r1) - 1;
            int triples = (last - row) / ROWS + 1;
            java.util.Arrays.fill(scratch.buf, ACC, ACC + groups * PASS_ROWS * GROUP * LANES, 0f);
            for (int b = 0; b < blocks; b++) {
                // the pass's rows of block b, the last repeated past it; one call per block, so
                // that the kernel's constants are set up once for all rows
                long first = row * rowBytes + b * blockBytes;
                if (Simd.WIDE && q4k) {
                    dequantizeQ4K(data, first, rowBytes, triples * ROWS, last - row, scratch);
                } else if (Simd.WIDE) {
                    dequantizeQ6K(data, first, rowBytes, triples * ROWS, last - row, scratch);
                } else if (q4k) {
                    KQuantSmallBatch256.dequantizeQ4K(data, first, rowBytes, PASS_ROWS, last - row, scratch);
                } else {
                    KQuantSmallBatch256.dequantizeQ6K(data, first, rowBytes, PASS_ROWS, last - row, scratch);
                }
                if (Simd.WIDE) {
                    block(b, groups, triples, blocks, scratch, q4k, a, yOff, tokens);
                } else {
                    KQuantSmallBatch256.tokenLanes(b, groups, blocks, scratch, q4k, a, yOff, tokenLaneExtra(q6));
                }
            }
            for (int g = 0; g < groups; g++) {
                int real = Math.min(GROUP, tokens - g * GROUP);
                for (int r = 0; row + r <= last; r++) {
                    int off = (g * PASS_ROWS + r) * GROUP * LANES;
                    if (Simd.WIDE) {
                        storeTrees(scratch.buf, ACC + off, scratch.out, real, y, g * GROUP * stride + row + r, stride);
                    } else {
                        KQuantSmallBatch256.storeTokenLaneTrees(scratch.buf, ACC + off, scratch.out, real, y,
                                g * GROUP * stride + row + r, stride);
                    }
                }
            }
        }
    }

    /**
     * Block {@code b} of every row triple of the pass times the tokens of every group into {@link
     * Scratch#acc}: per (group, triple) 16 steps of three weight loads and 8 activation loads into
     * 24 fma, then the canonical fold. One call per block: a call per (group, triple) cost a
     * measurable share of its 16 steps.
     */
    private static void block(int b, int groups, int triples, int blocks, Scratch scratch, boolean q4k, Activations a,
            int yBase, int tokens) {
        float[] wq = scratch.buf;
        float[] sums = scratch.buf;
        float[] yT = a.smallBatch;
        for (int gt = 0; gt < groups * triples; gt++) {
            int g = gt / triples;
            int tr = gt - g * triples;
            if (tokens - g * GROUP <= HALF_GROUP) {
                // a last group of at most 4 real tokens: half the fma and loads
                half(wq, W0 + ROWS * tr * 256, yT, yBase + (g * blocks + b) * GROUP_BLOCK, sums);
                fold(scratch, q4k, a, b, blocks, tr, g, tokens, HALF_GROUP);
                continue;
            }
            FloatVector zero = FloatVector.zero(FS);
            FloatVector p0 = zero;
            FloatVector p1 = zero;
            FloatVector p2 = zero;
            FloatVector p3 = zero;
            FloatVector p4 = zero;
            FloatVector p5 = zero;
            FloatVector p6 = zero;
            FloatVector p7 = zero;
            FloatVector q0 = zero;
            FloatVector q1 = zero;
            FloatVector q2 = zero;
            FloatVector q3 = zero;
            FloatVector q4 = zero;
            FloatVector q5 = zero;
            FloatVector q6 = zero;
            FloatVector q7 = zero;
            FloatVector o0 = zero;
            FloatVector o1 = zero;
            FloatVector o2 = zero;
            FloatVector o3 = zero;
            FloatVector o4 = zero;
            FloatVector o5 = zero;
            FloatVector o6 = zero;
            FloatVector o7 = zero;
            int wOff = W0 + ROWS * tr * 256;
            int yOff = yBase + (g * blocks + b) * GROUP_BLOCK;
            for (int s = 0; s < 16; s++) {
                int w = wOff + s * 16;
                FloatVector u = FloatVector.fromArray(FS, wq, w);
                FloatVector v = FloatVector.fromArray(FS, wq, 256 + w);
                FloatVector z = FloatVector.fromArray(FS, wq, 512 + w);
                int at = yOff + s * GROUP * 16;
                FloatVector x = FloatVector.fromArray(FS, yT, at);
                p0 = u.fma(x, p0);
                q0 = v.fma(x, q0);
                o0 = z.fma(x, o0);
                x = FloatVector.fromArray(FS, yT, at + 16);
                p1 = u.fma(x, p1);
                q1 = v.fma(x, q1);
                o1 = z.fma(x, o1);
                x = FloatVector.fromArray(FS, yT, at + 32);
                p2 = u.fma(x, p2);
                q2 = v.fma(x, q2);
                o2 = z.fma(x, o2);
                x = FloatVector.fromArray(FS, yT, at + 48);
                p3 = u.fma(x, p3);
                q3 = v.fma(x, q3);
                o3 = z.fma(x, o3);
                x = FloatVector.fromArray(FS, yT, at + 64);
                p4 = u.fma(x, p4);
                q4 = v.fma(x, q4);
                o4 = z.fma(x, o4);
                x = FloatVector.fromArray(FS, yT, at + 80);
                p5 = u.fma(x, p5);
                q5 = v.fma(x, q5);
                o5 = z.fma(x, o5);
                x = FloatVector.fromArray(FS, yT, at + 96);
                p6 = u.fma(x, p6);
                q6 = v.fma(x, q6);
                o6 = z.fma(x, o6);
                x = FloatVector.fromArray(FS, yT, at + 112);
                p7 = u.fma(x, p7);
                q7 = v.fma(x, q7);
                o7 = z.fma(x, o7);
            }
            // the exact half-lane sums through memory into a fold loop over (row, token pair) rather
            // than 12 unrolled copies of it; sums and accumulators are touched once per block
            p0.intoArray(sums, SUMS + 0);
            p1.intoArray(sums, SUMS + 16);
            p2.intoArray(sums, SUMS + 32);
            p3.intoArray(sums, SUMS + 48);
            p4.intoArray(sums, SUMS + 64);
            p5.intoArray(sums, SUMS + 80);
            p6.intoArray(sums, SUMS + 96);
            p7.intoArray(sums, SUMS + 112);
            q0.intoArray(sums, SUMS + 128);
            q1.intoArray(sums, SUMS + 144);
            q2.intoArray(sums, SUMS + 160);
            q3.intoArray(sums, SUMS + 176);
            q4.intoArray(sums, SUMS + 192);
            q5.intoArray(sums, SUMS + 208);
            q6.intoArray(sums, SUMS + 224);
            q7.intoArray(sums, SUMS + 240);
            o0.intoArray(sums, SUMS + 256);
            o1.intoArray(sums, SUMS + 272);
            o2.intoArray(sums, SUMS + 288);
            o3.intoArray(sums, SUMS + 304);
            o4.intoArray(sums, SUMS + 320);
            o5.intoArray(sums, SUMS + 336);
            o6.intoArray(sums, SUMS + 352);
            o7.intoArray(sums, SUMS + 368);
            fold(scratch, q4k, a, b, blocks, tr, g, tokens, GROUP);
        }
    }

    /**
     * {@link #block}'s lane sums for the first {@link #HALF_GROUP} tokens of a group only (a group
     * whose other tokens are padding): 12 lane-sum registers, 3 weight and 4 activation loads per
     * 12 fma, into the same places of {@code sums}.
     */
    private static void half(float[] wq, int wOff, float[] yT, int yOff, float[] sums) {
        FloatVector zero = FloatVector.zero(FS);
        FloatVector p0 = zero;
        FloatVector p1 = zero;
        FloatVector p2 = zero;
        FloatVector p3 = zero;
        FloatVector q0 = zero;
        FloatVector q1 = zero;
        FloatVector q2 = zero;
        FloatVector q3 = zero;
        FloatVector o0 = zero;
        FloatVector o1 = zero;
        FloatVector o2 = zero;
        FloatVector o3 = zero;
        for (int s = 0; s < 16; s++) {
            int w = wOff + s * 16;
            FloatVector u = FloatVector.fromArray(FS, wq, w);
            FloatVector v = FloatVector.fromArray(FS, wq, 256 + w);
            FloatVector z = FloatVector.fromArray(FS, wq, 512 + w);
            int at = yOff + s * GROUP * 16;
            FloatVector x = FloatVector.fromArray(FS, yT, at);
            p0 = u.fma(x, p0);
            q0 = v.fma(x, q0);
            o0 = z.fma(x, o0);
            x = FloatVector.fromArray(FS, yT, at + 16);
            p1 = u.fma(x, p1);
            q1 = v.fma(x, q1);
            o1 = z.fma(x, o1);
            x = FloatVector.fromArray(FS, yT, at + 32);
            p2 = u.fma(x, p2);
            q2 = v.fma(x, q2);
            o2 = z.fma(x, o2);
            x = FloatVector.fromArray(FS, yT, at + 48);
            p3 = u.fma(x, p3);
            q3 = v.fma(x, q3);
            o3 = z.fma(x, o3);
        }
        p0.intoArray(sums, SUMS + 0);
        p1.intoArray(sums, SUMS + 16);
        p2.intoArray(sums, SUMS + 32);
        p3.intoArray(sums, SUMS + 48);
        q0.intoArray(sums, SUMS + GROUP * 16);
        q1.intoArray(sums, SUMS + GROUP * 16 + 16);
        q2.intoArray(sums, SUMS + GROUP * 16 + 32);
        q3.intoArray(sums, SUMS + GROUP * 16 + 48);
        o0.intoArray(sums, SUMS + 2 * GROUP * 16);
        o1.intoArray(sums, SUMS + 2 * GROUP * 16 + 16);
        o2.intoArray(sums, SUMS + 2 * GROUP * 16 + 32);
        o3.intoArray(sums, SUMS + 2 * GROUP * 16 + 48);
    }

    /**
     * Block {@code b}'s canonical fold for row triple {@code tr} and every token of group {@code g},
     * two tokens per vector (lanes 0-7 token t, 8-15 token t+1): the half-lane sums merged into the
     * canonical lanes ({@link #merge}), {@code acc = fma(d*dy, S', acc)}, then (Q4_K)
     * {@code acc = fma(-(dmin*dy), min*(bsum_2j + bsum_2j+1), acc)}, the block sums merged alike.
     * Padding tokens use the last real token's scales (finite; their results are dropped). One
     * method per type: with both types' loops in one, C2 ran out of nodes (NodeCountInliningCutoff)
     * once both were hot and left the last merges out of line, boxing their vectors (Q6_K after
     * Q4_K allocated 440 KB per 96x1024 call and ran 3-10x slower).
     */
    private static void fold(Scratch scratch, boolean q4k, Activations a, int b, int blocks, int tr, int g,
            int tokens, int n) {
        if (q4k) {
            foldQ4K(scratch, a, b, blocks, tr, g, tokens, n);
        } else {
            foldQ6K(scratch, a, b, blocks, tr, g, tokens, n);
        }
    }

    /** {@link #fold} for Q4_K: the scale term, then the min term. */
    private static void foldQ4K(Scratch scratch, Activations a, int b, int blocks, int tr, int g, int tokens, int n) {
        float[] sums = scratch.buf;
        float[] acc = scratch.buf;
        float[] dy = a.scales;
        float[] ks = a.ksums;
        float[] sc = scratch.scales;
        // token pairs outside, the three rows written out inside: a pair's dy and block sums are read
        // and merged once for all rows, and d*dy is a vector product (the same IEEE product as the
        // scalar one); the triple's rows 3tr .. 3tr+2 of the pass: this block's scales at [2r],
        // accumulators of group g from (g*PASS_ROWS + 3tr)*GROUP*8
        int t0 = g * GROUP;
        int rb = ROWS * tr;
        FloatVector d0 = FloatVector.broadcast(FS, sc[2 * rb]);
        FloatVector d1 = FloatVector.broadcast(FS, sc[2 * (rb + 1)]);
        FloatVector d2 = FloatVector.broadcast(FS, sc[2 * (rb + 2)]);
        int r0 = ACC + (g * PASS_ROWS + rb) * GROUP * LANES;
        int r1 = r0 + GROUP * LANES;
        int r2 = r0 + 2 * GROUP * LANES;
        // -(dmin*dy) as (-dmin)*dy: rounding to nearest is symmetric, so the same bits
        FloatVector n0 = FloatVector.broadcast(FS, -sc[2 * rb + 1]);
        FloatVector n1 = FloatVector.broadcast(FS, -sc[2 * (rb + 1) + 1]);
        FloatVector n2 = FloatVector.broadcast(FS, -sc[2 * (rb + 2) + 1]);
        // lanes j and j+8 both hold min_j: right for either token of a pair
        FloatVector m0 = FloatVector.fromArray(FS, scratch.buf, MINS + rb * 16);
        FloatVector m1 = FloatVector.fromArray(FS, scratch.buf, MINS + (rb + 1) * 16);
        FloatVector m2 = FloatVector.fromArray(FS, scratch.buf, MINS + (rb + 2) * 16);
        for (int t = 0; t < n; t += 2) {
            int k = Math.min(t0 + t, tokens - 1) * blocks + b;
            int k1 = Math.min(t0 + t + 1, tokens - 1) * blocks + b;
            FloatVector y = FloatVector.broadcast(FS, dy[k]).blend(FloatVector.broadcast(FS, dy[k1]), Simd.UPPER8);
            FloatVector bsum = merge(FloatVector.fromArray(FS, ks, k * 16), FloatVector.fromArray(FS, ks, k1 * 16));
            int i = t * 16;
            int j = t * LANES;
            FloatVector v = merge(FloatVector.fromArray(FS, sums, SUMS + i),
                    FloatVector.fromArray(FS, sums, SUMS + i + 16))
                    .fma(d0.mul(y), FloatVector.fromArray(FS, acc, r0 + j));
            bsum.mul(m0).fma(n0.mul(y), v).intoArray(acc, r0 + j);
            v = merge(FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i),
                    FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i + 16))
                    .fma(d1.mul(y), FloatVector.fromArray(FS, acc, r1 + j));
            bsum.mul(m1).fma(n1.mul(y), v).intoArray(acc, r1 + j);
            v = merge(FloatVector.fromArray(FS, sums, SUMS + 2 * GROUP * 16 + i),
                    FloatVector.fromArray(FS, sums, SUMS + 2 * GROUP * 16 + i + 16))
                    .fma(d2.mul(y), FloatVector.fromArray(FS, acc, r2 + j));
            bsum.mul(m2).fma(n2.mul(y), v).intoArray(acc, r2 + j);
        }
    }

    /** {@link #fold} for Q6_K: the scale term only. */
    private static void foldQ6K(Scratch scratch, Activations a, int b, int blocks, int tr, int g, int tokens, int n) {
        float[] sums = scratch.buf;
        float[] acc = scratch.buf;
        float[] dy = a.scales;
        float[] sc = scratch.scales;
        // as foldQ4K
        int t0 = g * GROUP;
        int rb = ROWS * tr;
        FloatVector d0 = FloatVector.broadcast(FS, sc[2 * rb]);
        FloatVector d1 = FloatVector.broadcast(FS, sc[2 * (rb + 1)]);
        FloatVector d2 = FloatVector.broadcast(FS, sc[2 * (rb + 2)]);
        int r0 = ACC + (g * PASS_ROWS + rb) * GROUP * LANES;
        int r1 = r0 + GROUP * LANES;
        int r2 = r0 + 2 * GROUP * LANES;
        for (int t = 0; t < n; t += 2) {
            FloatVector y = FloatVector.broadcast(FS, dy[Math.min(t0 + t, tokens - 1) * blocks + b])
                    .blend(FloatVector.broadcast(FS, dy[Math.min(t0 + t + 1, tokens - 1) * blocks + b]), Simd.UPPER8);
            int i = t * 16;
            int j = t * LANES;
            merge(FloatVector.fromArray(FS, sums, SUMS + i), FloatVector.fromArray(FS, sums, SUMS + i + 16))
                    .fma(d0.mul(y), FloatVector.fromArray(FS, acc, r0 + j)).intoArray(acc, r0 + j);
            merge(FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i),
                    FloatVector.fromArray(FS, sums, SUMS + GROUP * 16 + i + 16))
                    .fma(d1.mul(y), FloatVector.fromArray(FS, acc, r1 + j)).intoArray(acc, r1 + j);
            merge(FloatVector.fromArray(FS, sums, SUMS + 2 * GROUP * 16 + i),
                    FloatVector.fromArray(FS, sums, SUMS + 2 * GROUP * 16 + i + 16))
                    .fma(d2.mul(y), FloatVector.fromArray(FS, acc, r2 + j)).intoArray(acc, r2 + j);
        }
    }

    /**
     * Two tokens' 16 half-lane values ({@code p}: token t, {@code q}: token t+1) added pairwise into
     * their 8 canonical lanes, {@code p_j + p_{j+8}} in lane j and {@code q_j + q_{j+8}} in lane
     * {@code 8 + j}: exact, since they are integers whose sums are at most 2^24, so the order within a
     * pair does not matter. One vector of accumulators per token pair instead of one per token
     * halves the fold's fma, loads and stores.
     */
    private static FloatVector merge(FloatVector p, FloatVector q) {
        return p.blend(q, Simd.UPPER8).add(q.blend(p, Simd.UPPER8).rearrange(Simd.HALVES));
    }

    /**
     * {@link Simd#tree8} of each token's 8 lane accumulators ({@code acc[off + 8t ..]}), the
     * canonical {@link Simd#tree16} of them and 8 zeros, into {@code y[at + t*stride]} for the
     * {@code real} tokens. The trees of all {@link #GROUP} tokens are made, two per vector (lanes
     * 0-7 and 8-15, as {@link #fold} left them), and only the copy-out stops at {@code real}:
     * a branch on a partly filled group that warm-up had not seen made C2 throw this method away
     * mid-run (-Xlog:deoptimization), a loop bound does not.
     */
    private static void storeTrees(float[] acc, int off, float[] out, int real, float[] y, int at, int stride) {
        for (int t = 0; t < GROUP; t += 2) {
            FloatVector h = FloatVector.fromArray(FS, acc, off + LANES * t);
            h = h.add(h.rearrange(Simd.XOR4));
            h = h.add(h.rearrange(Simd.XOR2));
            // token t's sum in lane 0, token t+1's in lane 8; the group's sums gather after the vector
            h.add(h.rearrange(Simd.XOR1)).intoArray(out, 0);
            out[16 + t] = out[0];
            out[16 + t + 1] = out[8];
        }
        for (int t = 0; t < real; t++) {
            y[at + t * stride] = out[16 + t];
        }
    }

    /**
     * Block {@code first} of the pass's rows (row r's at {@code first + min(r, last)*rowBytes}) into
     * row r of the layout (one call per block, so that the constants are set up once for the pass's
     * rows: a call per row and block measured about a tenth slower at 8 tokens, median of paired
     * runs in alternating JVMs on a noisy machine). Per row: the two
     * 64-byte chunk pairs as 16 ints (int lane j holds canonical lane j's four bytes), each step's
     * nibble shifted down, masked, made a float and scaled; d, dmin and the per-lane mins beside.
     */
    private static void dequantizeQ4K(MemorySegment w, long first, long rowBytes, int rows, int last,
            Scratch scratch) {
        float[] out = scratch.buf;
        for (int r = 0; r < rows; r++) {
            long blk = first + Math.min(r, last) * rowBytes;
            long lo8 = w.get(Simd.LONG_LE, blk + Q4KKernel.SCALES);
            int hi4 = w.get(Simd.INT_LE, blk + Q4KKernel.SCALES + 8);
            long sc = Q4KKernel.packedScales(lo8, hi4);
            long mn = Q4KKernel.packedMins(lo8, hi4);
            scratch.scales[2 * r] = Bytes.f16(w, blk + Q4KKernel.D);
            scratch.scales[2 * r + 1] = Bytes.f16(w, blk + Q4KKernel.DMIN);
            // lane j: min (j % 8), a byte of the low (mins 0-3) or high (4-7) int of the packed mins
            ((FloatVector) IntVector.broadcast(IS, (int) mn).blend((int) (mn >>> 32), UPPER_MINS)
                    .lanewise(VectorOperators.LSHR, QUARTER_SHIFT).and(0xFF)
                    .convert(VectorOperators.I2F, 0)).intoArray(scratch.buf, MINS + r * 16);
            for (int half = 0; half < 2; half++) {
                IntVector x = IntVector.fromMemorySegment(IS, w, blk + Q4KKernel.QS + 64 * half, Simd.LE);
                // scales of sub-blocks 4*half + nibble (lanes 0-7, chunk 2*half) and 4*half + 2 + nibble
                IntVector pair = IntVector.broadcast(IS, (int) (sc >>> (32 * half)));
                for (int nibble = 0; nibble < 2; nibble++) {
                    FloatVector scale = (FloatVector) pair.lanewise(VectorOperators.LSHR, HALF_SHIFT.add(8 * nibble))
                            .and(0xFF).convert(VectorOperators.I2F, 0);
                    // q or-ed into the mantissa of 2^23 is the float 2^23 + q; one fma with -2^23*scale
                    // (exact: scale < 64) leaves q*scale, rounded once from the exact value, which is a
                    // float: one vector op less than convert and multiply (the and and the or fuse)
                    FloatVector bias = scale.mul(-0x1p23f);
                    for (int k = 0; k < 4; k++) {
                        int s = 8 * half + 4 * nibble + k;
                        x.lanewise(VectorOperators.LSHR, 8 * k + 4 * nibble).and(0xF).or(MAGIC).reinterpretAsFloats()
                                .fma(scale, bias).intoArray(out, W0 + r * 256 + s * 16);
                    }
                }
            }
        }
    }

    /**
     * Block {@code first} of the pass's rows into the layout, as {@link #dequantizeQ4K}. Per row and
     * half, the 64 ql bytes as 16 ints (int lane j holds canonical lane j's four bytes) and the
     * half's 32 qh bytes as 8 ints repeated,
     * each lane's 2-bit pairs shifted to the bottom of their bytes; per step, nibble and pair
     * combined, converted and scaled as {@code q*scale - 32*scale} (exact: integers below 2^13).
     */
    private static void dequantizeQ6K(MemorySegment w, long first, long rowBytes, int rows, int last,
            Scratch scratch) {
        for (int r = 0; r < rows; r++) {
            long blk = first + Math.min(r, last) * rowBytes;
            scratch.scales[2 * r] = Bytes.f16(w, blk + Q6KKernel.D);
            q6kHalf(w, blk, 0, QH_LO, scratch.buf, W0 + r * 256);
            q6kHalf(w, blk, 1, QH_HI, scratch.buf, W0 + r * 256 + 128);
        }
    }

    /** Half {@code half} of a Q6_K block; {@code repeat} picks its 8 qh ints out of the block's 16. */
    private static void q6kHalf(MemorySegment w, long blk, int half, VectorShuffle<Integer> repeat, float[] out,
            int off) {
        IntVector ql = IntVector.fromMemorySegment(IS, w, blk + Q6KKernel.QL + 64 * half, Simd.LE);
        IntVector qh = IntVector.fromMemorySegment(IS, w, blk + Q6KKernel.QH, Simd.LE).rearrange(repeat)
                .lanewise(VectorOperators.LSHR, QH_SHIFT);
        for (int nibble = 0; nibble < 2; nibble++) {
            // lane j's scale: 16-weight group 8*half + 4*nibble + 2*(j/8) + (j/4)%2, an int8
            int four = w.get(Simd.INT_LE, blk + Q6KKernel.SCALES + 8 * half + 4 * nibble);
            FloatVector scale = (FloatVector) IntVector.broadcast(IS, four).lanewise(VectorOperators.LSHL, Q6_SCALE_SHIFT)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector bias = scale.mul(-32f);
            for (int k = 0; k < 4; k++) {
                int shift = 8 * k + 4 * nibble;
                // the pair's two bits straight to bits 4-5: one shift and one and (shift, and, shift
                // before); the and and the or with the nibble fuse
                IntVector high = shift == 0 ? qh.lanewise(VectorOperators.LSHL, 4)
                        : qh.lanewise(VectorOperators.LSHR, shift - 4);
                IntVector q = ql.lanewise(VectorOperators.LSHR, shift).and(0xF).or(high.and(0x30));
                ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(scale, bias)
                        .intoArray(out, off + (4 * nibble + k) * 16);
            }
        }
    }
}
