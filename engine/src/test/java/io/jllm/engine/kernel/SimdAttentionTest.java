package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.KvType;
import io.jllm.engine.kv.PagedKvCache;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SIMD attention against the reference: the same canonical order, so the same bits. */
class SimdAttentionTest {
    @BeforeAll
    static void simdAvailable() {
        assumeTrue(SimdKernels.supported(), "no 256-bit vectors on this machine");
    }

    @Test
    void matchesTheReferenceForCacheTypesHeadSizesGroupsAndLengths() {
        for (KvType type : KvType.values()) {
            for (int headDim : new int[] {64, 128, 24}) {
                for (int group : new int[] {1, 2, 3}) {
                    check(type, headDim, group, new int[] {0, 1, 16, 17, 100});
                }
            }
        }
    }

    @Test
    void aTileOfTokensGivesTheReferenceBitsOfEachToken() {
        for (KvType type : KvType.values()) {
            for (int headDim : new int[] {128, 64, 24}) {
                for (int group : new int[] {1, 2, 3, 4, 8}) {
                    for (int tokens : new int[] {1, 2, 5, Attention.tileTokens(group)}) {
                        for (int pos0 : new int[] {0, 1, 15, 40}) {
                            checkTile(type, headDim, group, tokens, pos0);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aTileOfPositionsAcrossSeveralValueBlocksGivesTheReferenceBits() {
        // 32 positions are converted and accumulated at a time; 6 scored at a time
        for (int pos0 : new int[] {31, 32, 63, 70}) {
            checkTile(KvType.F16, 128, 2, Attention.tileTokens(2), pos0);
            checkTile(KvType.F16, 64, 4, 3, pos0);
        }
    }

    @Test
    void aRunOfSeveralTilesGivesTheReferenceBitsOfEachTokenWithKeysConvertedOnceOrPerTile() {
        // a run converts every key and value once where the scratch holds them all, else per tile;
        // 80 has a 16-element slice past the value loop's groups of four
        for (KvType type : KvType.values()) {
            for (int headDim : new int[] {128, 80}) {
                for (int group : new int[] {2, 3}) {
                    int tokens = 3 * Attention.tileTokens(group) + 2;
                    for (int pos0 : new int[] {0, 37}) {
                        int full = Attention.tileScratch(pos0 + tokens - 1, headDim);
                        checkTile(type, headDim, group, tokens, pos0, full);
                        checkTile(type, headDim, group, tokens, pos0, full - 1);
                    }
                }
            }
        }
    }

    @Test
    void aRunWhoseLastTileHasOneTokenGivesTheReferenceBits() {
        checkTile(KvType.F16, 128, 2, Attention.tileTokens(2) + 1, 5);
    }

    @Test
    void aTileOfHeadsLargerThanItsLayoutGoesTokenByToken() {
        checkTile(KvType.F16, 272, 2, Attention.tileTokens(2), 3);
    }

    @Test
    void theHalfConversionIsFloat16ToFloatForEveryHalfAtBothWidths() {
        short[] halves = new short[65536];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (short) i;
        }
        float[] wide = new float[16];
        float[] narrow = new float[16];
        for (int i = 0; i < halves.length; i += 16) {
            // sign-extended, as the kernels load them
            Simd.halfToFloat((IntVector) ShortVector.fromArray(Simd.S256, halves, i)
                    .convertShape(VectorOperators.S2I, Simd.I512, 0)).intoArray(wide, 0);
            Simd.halfToFloat((IntVector) ShortVector.fromArray(Simd.S128, halves, i)
                    .convertShape(VectorOperators.S2I, Simd.I256, 0)).intoArray(narrow, 0);
            Simd.halfToFloat((IntVector) ShortVector.fromArray(Simd.S128, halves, i + 8)
                    .convertShape(VectorOperators.S2I, Simd.I256, 0)).intoArray(narrow, 8);
            for (int k = 0; k < 16; k++) {
                int h = i + k;
                String at = "half bits " + Integer.toHexString(h);
                // Float.float16ToFloat (vcvtph2ps here) also quiets signaling NaNs; the kernels keep
                // the payload: sign, all-ones exponent, the half's mantissa in the top mantissa bits
                float reference = Float.float16ToFloat(halves[h]);
                int expected = Float.isNaN(reference)
                        ? ((h & 0x8000) << 16) | 0x7F800000 | ((h & 0x3FF) << 13)
                        : Float.floatToRawIntBits(reference);
                assertEquals(expected, Float.floatToRawIntBits(wide[k]), at);
                assertEquals(expected, Float.floatToRawIntBits(narrow[k]), at + " (256 bits)");
            }
        }
    }

    @Test
    void aTileFallsBackToOneTokenAtATimeWhenTheScratchIsShort() {
        // two query heads' worth of scratch (what a one-token pass needs), not a whole tile's
        checkTile(KvType.F16, 128, 2, 8, 30, 2 * (30 + 8));
    }

    private static void checkTile(KvType type, int headDim, int group, int tokens, int pos0) {
        checkTile(type, headDim, group, tokens, pos0, Attention.tileScratch(pos0 + tokens - 1, headDim));
    }

    /** A tile's outputs against the reference run per token, with queries and outputs strided as in a batch. */
    private static void checkTile(KvType type, int headDim, int group, int tokens, int pos0, int scratch) {
        int kvHeads = 2;
        int kvDim = kvHeads * headDim;
        int qDim = kvHeads * group * headDim;
        int last = pos0 + tokens - 1;
        try (PagedKvCache cache = new PagedKvCache(2, kvHeads, headDim, 16, (last + 16) / 16 + 2, type)) {
            KvSequence seq = new KvSequence(cache);
            int hole = cache.allocate();
            assertTrue(seq.reserve(last + 1));
            for (int p = 0; p <= last; p++) {
                cache.store(1, seq.slot(p), KernelFixtures.activations(kvDim, 10L * p + 3), 0,
                        KernelFixtures.activations(kvDim, 10L * p + 4), 0);
            }
            cache.release(hole);
            // one spare token's room on each side, so strides and offsets are exercised
            float[] q = KernelFixtures.activations((tokens + 1) * qDim, 91);
            float scale = (float) (1 / Math.sqrt(headDim));
            for (int kvHead = 0; kvHead < kvHeads; kvHead++) {
                float[] expected = new float[(tokens + 1) * qDim];
                for (int t = 0; t < tokens; t++) {
                    Attention.reference(cache, 1, seq, pos0 + t, kvHead, group, headDim, scale, q, (t + 1) * qDim,
                            expected, (t + 1) * qDim, new float[pos0 + t + 1]);
                }
                float[] actual = new float[(tokens + 1) * qDim];
                SimdKernels.INSTANCE.attentionTile(cache, 1, seq, pos0, tokens, kvHead, group, headDim, scale, q, qDim,
                        qDim, actual, qDim, qDim, new float[scratch]);
                SimdMatMulTest.assertSameBits(expected, actual, type + " headDim " + headDim + " group " + group
                        + " tokens " + tokens + " pos0 " + pos0 + " kvHead " + kvHead + " scratch " + scratch);
            }
        }
    }

    @Test
    void attendingToOnePositionReturnsItsValues() {
        int headDim = 128;
        try (PagedKvCache cache = new PagedKvCache(1, 1, headDim, 16, 4, KvType.F32)) {
            KvSequence seq = new KvSequence(cache);
            assertTrue(seq.reserve(1));
            float[] k = KernelFixtures.activations(headDim, 1);
            float[] v = KernelFixtures.activations(headDim, 2);
            cache.store(0, seq.slot(0), k, 0, v, 0);
            float[] q = KernelFixtures.activations(headDim, 3);
            float[] out = new float[headDim];
            SimdKernels.INSTANCE.attention(cache, 0, seq, 0, 0, 1, headDim, 0.1f, q, 0, out, 0, new float[1]);
            for (int i = 0; i < headDim; i++) {
                assertEquals(v[i], out[i], "softmax over one position is 1, so the output is that position's value");
            }
        }
    }

    private static void check(KvType type, int headDim, int group, int[] positions) {
        int kvHeads = 3;
        int kvDim = kvHeads * headDim;
        int maxPos = positions[positions.length - 1];
        try (PagedKvCache cache = new PagedKvCache(2, kvHeads, headDim, 16, (maxPos + 16) / 16 + 2, type)) {
            KvSequence seq = new KvSequence(cache);
            // take a block first so the sequence's slots are not the identity
            int hole = cache.allocate();
            assertTrue(seq.reserve(maxPos + 1));
            for (int p = 0; p <= maxPos; p++) {
                float[] k = KernelFixtures.activations(kvDim, 10L * p + 1);
                float[] v = KernelFixtures.activations(kvDim, 10L * p + 2);
                cache.store(1, seq.slot(p), k, 0, v, 0);
            }
            cache.release(hole);
            float[] q = KernelFixtures.activations(kvHeads * group * headDim, 77);
            float scale = (float) (1 / Math.sqrt(headDim));
            for (int pos : positions) {
                for (int kvHead = 0; kvHead < kvHeads; kvHead++) {
                    float[] expected = new float[q.length];
                    Attention.reference(cache, 1, seq, pos, kvHead, group, headDim, scale, q, 0, expected, 0,
                            new float[pos + 1]);
                    // the smallest scratch takes one query head at a time, a double one two at a time
                    for (int scratch : new int[] {pos + 1, 2 * (pos + 1)}) {
                        float[] actual = new float[q.length];
                        SimdKernels.INSTANCE.attention(cache, 1, seq, pos, kvHead, group, headDim, scale, q, 0, actual,
                                0, new float[scratch]);
                        SimdMatMulTest.assertSameBits(expected, actual, type + " headDim " + headDim + " group " + group
                                + " pos " + pos + " kvHead " + kvHead + " scratch " + scratch);
                    }
                }
            }
        }
    }
}
