package io.jllm.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static SamplingParams.Builder seeded() {
        return SamplingParams.builder().seed(1234);
    }

    /** Logits whose softmax is exactly {@code probs} (up to float rounding). */
    private static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    // ---- greedy ----

    @Test
    void greedyPicksTheArgmax() {
        Sampler s = new Sampler(SamplingParams.greedy(), 5);
        assertEquals(3, s.sample(new float[] {0.1f, -2f, 1.5f, 7.25f, 7.0f}, 0, 5));
        assertEquals(0, s.sample(new float[] {9f, -2f, 1.5f, 7.25f, 7.0f}, 0, 5));
        assertEquals(4, s.sample(new float[] {-9f, -8f, -7f, -6f, -5f}, 0, 5));
    }

    @Test
    void greedyBreaksTiesTowardTheLowestId() {
        Sampler s = new Sampler(SamplingParams.greedy(), 6);
        assertEquals(2, s.sample(new float[] {1f, 0f, 3f, 3f, -1f, 3f}, 0, 6));
        assertEquals(1, s.sample(new float[] {Float.NEGATIVE_INFINITY, 0f, 0f, -0f, 0f, 0f}, 0, 6));
    }

    @Test
    void greedyHonoursTheOffset() {
        Sampler s = new Sampler(SamplingParams.greedy(), 4);
        float[] batch = {9f, 9f, 9f, 9f, /* row 1 */ 0f, 2f, 2f, 1f, /* row 2 */ 5f};
        assertEquals(1, s.sample(batch, 4, 4));
        assertEquals(0, s.sample(batch, 0, 4));
        assertEquals(3, s.sample(batch, 5, 4)); // 2, 2, 1, 5
    }

    @Test
    void greedyIgnoresTheFiltersButNotThePenalties() {
        SamplingParams p = SamplingParams.builder().temperature(0f).topK(1).topP(0.1f).minP(0.9f)
                .repetitionPenalty(4f).build();
        Sampler s = new Sampler(p, 3);
        float[] logits = {2f, 1f, 0.5f};
        assertEquals(0, s.sample(logits, 0, 3));
        s.accept(0); // 2 / 4 = 0.5 < 1
        assertEquals(1, s.sample(logits, 0, 3));
        assertArrayEquals(new float[] {2f, 1f, 0.5f}, logits, "sample() must leave the logits as it found them");
    }

    // ---- penalties ----

    @Test
    void penaltiesFollowLlamaCppsMath() {
        RepetitionPenalties pen = new RepetitionPenalties(5, 64, 2f, 0.5f, 0.25f);
        for (int t : new int[] {0, 0, 1, 4, 0}) {
            pen.accept(t);
        }
        float[] logits = {2f, -1f, 0.5f, 3f, 0f};
        pen.apply(logits, 0);
        // token 0: seen 3x, positive -> 2 / 2 = 1, minus 3 * 0.5 + 0.25 = 1.75 -> -0.75
        // token 1: seen 1x, negative -> -1 * 2 = -2, minus 0.5 + 0.25 -> -2.75
        // token 4: seen 1x, zero counts as "<= 0" -> 0 * 2 = 0, minus 0.75 -> -0.75
        // tokens 2 and 3: unseen, unchanged. All values are exact in binary, so compare exactly.
        assertArrayEquals(new float[] {-0.75f, -2.75f, 0.5f, 3f, -0.75f}, logits);
        pen.restore(logits, 0);
        assertArrayEquals(new float[] {2f, -1f, 0.5f, 3f, 0f}, logits);
    }

    @Test
    void penaltiesOnlySeeTheLastNTokens() {
        RepetitionPenalties pen = new RepetitionPenalties(4, 3, 1f, 1f, 0f);
        for (int t : new int[] {0, 0, 1, 2, 2}) { // window keeps 1, 2, 2
            pen.accept(t);
        }
        assertEquals(0, pen.count(0));
        assertEquals(1, pen.count(1));
        assertEquals(2, pen.count(2));
        float[] logits = {1f, 1f, 1f, 1f};
        pen.apply(logits, 0);
        assertArrayEquals(new float[] {1f, 0f, -1f, 1f}, logits);
        pen.restore(logits, 0);
        pen.accept(3); // window 2, 2, 3
        pen.accept(0); // window 2, 3, 0
        assertEquals(0, pen.count(1));
        assertEquals(1, pen.count(2));
        pen.apply(logits, 0);
        assertArrayEquals(new float[] {0f, 1f, 0f, 0f}, logits);
    }

    @Test
    void unboundedWindowCountsTheWholeSequence() {
        RepetitionPenalties pen = new RepetitionPenalties(3, -1, 1f, 0.5f, 0f);
        for (int i = 0; i < 1000; i++) {
            pen.accept(i % 2);
        }
        assertEquals(500, pen.count(0));
        assertEquals(500, pen.count(1));
        float[] logits = {0f, 0f, 0f};
        pen.apply(logits, 0);
        assertArrayEquals(new float[] {-250f, -250f, 0f}, logits);
    }

    @Test
    void samplerAppliesPenaltiesToPromptTokensItWasGiven() {
        SamplingParams p = SamplingParams.builder().temperature(0f).presencePenalty(2f).penaltyLastN(-1).build();
        Sampler s = new Sampler(p, 3);
        s.accept(new int[] {0, 1, 0}, 0, 3);
        assertEquals(2, s.sample(new float[] {1f, 1f, 0.5f}, 0, 3));
    }

    // ---- filters: exact candidate sets ----

    @Test
    void topKKeepsTheKMostLikely() {
        Sampler s = new Sampler(seeded().topK(3).topP(1f).minP(0f).build(), 7);
        float[] logits = {0.5f, 4f, -1f, 3f, 3.5f, 2f, 3.5f};
        assertArrayEquals(new int[] {1, 4, 6}, sorted(s.survivors(logits, 0)));
    }

    @Test
    void topKBreaksTiesAtTheBoundaryTowardTheLowestId() {
        Sampler s = new Sampler(seeded().topK(2).topP(1f).minP(0f).build(), 5);
        assertArrayEquals(new int[] {0, 1}, sorted(s.survivors(new float[] {5f, 1f, 1f, 1f, 1f}, 0)));
        assertArrayEquals(new int[] {1, 3}, sorted(s.survivors(new float[] {0f, 2f, 1f, 2f, 2f}, 0)));
    }

    @Test
    void topPKeepsTheShortestPrefixReachingP() {
        // probabilities 0.5, 0.2, 0.15, 0.1, 0.05 at scattered ids: cumulative 0.5, 0.7, 0.85 -> p = 0.8 keeps 3
        float[] logits = logitsOf(0.1, 0.5, 0.05, 0.15, 0.2);
        Sampler s = new Sampler(seeded().topK(0).topP(0.8f).minP(0f).build(), 5);
        assertArrayEquals(new int[] {1, 3, 4}, sorted(s.survivors(logits, 0)));
        Sampler tiny = new Sampler(seeded().topK(0).topP(0.3f).minP(0f).build(), 5);
        assertArrayEquals(new int[] {1}, sorted(tiny.survivors(logits, 0)));
        Sampler zero = new Sampler(seeded().topK(0).topP(0f).minP(0f).build(), 5);
        assertArrayEquals(new int[] {1}, sorted(zero.survivors(logits, 0)));
    }

    @Test
    void topPAfterTopKUsesTheRenormalizedTopKDistribution() {
        // Over the vocabulary p = 0.72 needs 0.5 + 0.2 + 0.15; over the top 4 renormalized (/0.95) 0.526 + 0.211
        // already reaches it, as in llama.cpp where top-p's softmax only sees top-k's survivors.
        float[] logits = logitsOf(0.5, 0.2, 0.15, 0.1, 0.05);
        assertArrayEquals(new int[] {0, 1, 2},
                sorted(new Sampler(seeded().topK(0).topP(0.72f).minP(0f).build(), 5).survivors(logits, 0)));
        assertArrayEquals(new int[] {0, 1},
                sorted(new Sampler(seeded().topK(4).topP(0.72f).minP(0f).build(), 5).survivors(logits, 0)));
    }

    @Test
    void minPKeepsTokensAtLeastMinPTimesTheTopProbability() {
        // 0.25 * 0.5 = 0.125: keeps 0.5, 0.2, 0.15
        float[] logits = logitsOf(0.15, 0.1, 0.5, 0.05, 0.2);
        Sampler s = new Sampler(seeded().topK(0).topP(1f).minP(0.25f).build(), 5);
        assertArrayEquals(new int[] {0, 2, 4}, sorted(s.survivors(logits, 0)));
        Sampler withTopK = new Sampler(seeded().topK(2).topP(1f).minP(0.25f).build(), 5);
        assertArrayEquals(new int[] {2, 4}, sorted(withTopK.survivors(logits, 0)));
        Sampler withTopP = new Sampler(seeded().topK(0).topP(0.99f).minP(0.25f).build(), 5);
        assertArrayEquals(new int[] {0, 2, 4}, sorted(withTopP.survivors(logits, 0)));
    }

    @Test
    void filtersPickExactlyTheSetsOfAStraightforwardSort() {
        Random r = new Random(7);
        float[][] vectors = {new float[30_000], new float[10_000], new float[10_000]};
        for (int i = 0; i < vectors[0].length; i++) {
            vectors[0][i] = (float) (r.nextGaussian() * 3);      // typical spread
        }
        for (int i = 0; i < vectors[1].length; i++) {
            vectors[1][i] = (float) (r.nextGaussian() * 0.3);    // nearly flat: top-p needs thousands
            vectors[2][i] = (float) (r.nextGaussian() * 12 - 5); // wider than the histogram's 16 nats
        }
        vectors[0][23_456] = 14f;
        vectors[2][99] = 30f;
        int[][] settings = {{0, 900, 0}, {0, 500, 5}, {40, 950, 5}, {100, 1000, 0}, {0, 1000, 10}, {0, 999, 0},
            {20, 800, 0}, {0, 50, 0}};
        for (float[] logits : vectors) {
            float[] descending = logits.clone();
            Arrays.sort(descending);
            reverse(descending);
            for (int[] st : settings) {
                SamplingParams p = seeded().topK(st[0]).topP(st[1] / 1000f).minP(st[2] / 100f).build();
                int[] expected = referenceSurvivors(logits, descending, p);
                int[] actual = sorted(new Sampler(p, logits.length).survivors(logits, 0));
                assertArrayEquals(expected, actual, "topK=" + p.topK() + " topP=" + p.topP() + " minP=" + p.minP()
                        + ": " + expected.length + " expected, " + actual.length + " kept");
            }
        }
    }

    private static void reverse(float[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * llama.cpp's chain written the obvious way over the logits sorted in {@code descending} order: find how many
     * of the best survive, then take the tokens above the last survivor's logit, filling ties by lowest id.
     */
    private static int[] referenceSurvivors(float[] logits, float[] descending, SamplingParams p) {
        int n = descending.length;
        if (p.topK() > 0) {
            n = Math.min(n, p.topK());
        }
        float max = descending[0];
        if (p.topP() < 1f) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += Math.exp(descending[i] - max);
            }
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += Math.exp(descending[i] - max) / total;
                if (cum >= p.topP()) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            float floor = max + (float) Math.log(p.minP());
            int m = 1;
            while (m < n && descending[m] >= floor) {
                m++;
            }
            n = m;
        }
        float last = descending[n - 1];
        int above = 0;
        while (above < n && descending[above] > last) {
            above++;
        }
        int[] kept = new int[n];
        int k = 0;
        int ties = n - above;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > last) {
                kept[k++] = i;
            } else if (logits[i] == last && ties > 0) {
                kept[k++] = i;
                ties--;
            }
        }
        return kept;
    }

    // ---- the draw ----

    /**
     * Chi-square goodness of fit of {@code draws} samples against {@code expected} probabilities. The bound is the
     * 99.9th percentile of the chi-square distribution with (categories - 1) degrees of freedom, so a correct
     * sampler fails with probability 0.001 for a random seed; the seed is fixed, so the outcome is reproducible.
     * A sampler off by 2% on a 0.2 category at N = 40,000 gives chi-square ~ 80, far above the bound.
     */
    private static void assertFollows(double[] expected, Sampler s, float[] logits, int draws) {
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits, 0, logits.length)]++;
        }
        double chi2 = 0;
        int categories = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0, counts[i], "token " + i + " was filtered out but drawn");
                continue;
            }
            categories++;
            double e = expected[i] * draws;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        double[] critical999 = {0, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124};
        assertTrue(chi2 < critical999[categories - 1],
                "chi2 = " + chi2 + " with " + (categories - 1) + " dof; counts " + Arrays.toString(counts));
    }

    private static double[] softmax(float[] logits, double temperature, boolean[] kept) {
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = kept[i] ? Math.exp(logits[i] / temperature) : 0;
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    private static boolean[] all(int n) {
        boolean[] b = new boolean[n];
        Arrays.fill(b, true);
        return b;
    }

    @Test
    void unfilteredDrawsFollowTheSoftmax() {
        float[] logits = {1f, 0.2f, -0.5f, 2f, 0f, 1.5f};
        Sampler s = new Sampler(seeded().noFilters().temperature(1f).build(), 6);
        assertFollows(softmax(logits, 1, all(6)), s, logits, 40_000);
    }

    @Test
    void temperatureSharpensAndFlattens() {
        float[] logits = {1f, 0.2f, -0.5f, 2f, 0f, 1.5f};
        assertFollows(softmax(logits, 0.5, all(6)),
                new Sampler(seeded().noFilters().temperature(0.5f).build(), 6), logits, 40_000);
        assertFollows(softmax(logits, 2.5, all(6)),
                new Sampler(seeded().noFilters().temperature(2.5f).build(), 6), logits, 40_000);
    }

    @Test
    void filteredDrawsFollowTheTemperedSoftmaxOfTheSurvivors() {
        float[] logits = {1f, 0.2f, -0.5f, 2f, 0f, 1.5f, -3f, 0.9f};
        // top-k 4 keeps 3, 5, 0, 7; then temperature 0.7 over those four
        boolean[] top4 = {true, false, false, true, false, true, false, true};
        assertFollows(softmax(logits, 0.7, top4),
                new Sampler(seeded().topK(4).topP(1f).minP(0f).temperature(0.7f).build(), 8), logits, 40_000);
        // min-p 0.2 keeps logits >= 2 + ln 0.2 = 0.39: tokens 0, 3, 5, 7
        assertFollows(softmax(logits, 1.3, top4),
                new Sampler(seeded().topK(0).topP(1f).minP(0.2f).temperature(1.3f).build(), 8), logits, 40_000);
        // top-p 0.9 over the vocabulary: probabilities of 3, 5, 0, 7 are 0.371, 0.225, 0.136, 0.124 -> 0.856,
        // so the fifth (token 1, 0.061) is needed too
        boolean[] top5 = {true, true, false, true, false, true, false, true};
        assertFollows(softmax(logits, 1, top5),
                new Sampler(seeded().topK(0).topP(0.9f).minP(0f).temperature(1f).build(), 8), logits, 40_000);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        Random r = new Random(3);
        float[][] steps = new float[100][1000];
        for (float[] step : steps) {
            for (int i = 0; i < step.length; i++) {
                step[i] = (float) r.nextGaussian();
            }
        }
        SamplingParams p = SamplingParams.builder().seed(99).topK(50).repetitionPenalty(1.1f).build();
        int[] a = run(new Sampler(p, 1000), steps);
        int[] b = run(new Sampler(p, 1000), steps);
        int[] c = run(new Sampler(p.toBuilder().seed(100).build(), 1000), steps);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
    }

    private static int[] run(Sampler s, float[][] steps) {
        int[] out = new int[steps.length];
        for (int i = 0; i < steps.length; i++) {
            out[i] = s.sample(steps[i], 0, steps[i].length);
            s.accept(out[i]);
        }
        return out;
    }

    @Test
    void theRandomStreamIsFixedAcrossJvms() {
        // xoshiro256** seeded by SplitMix64 from 42, computed independently in Python (big-integer arithmetic).
        Xoshiro256StarStar x = new Xoshiro256StarStar(42);
        assertEquals(1546998764402558742L, x.nextLong());
        assertEquals(6990951692964543102L, x.nextLong());
        assertEquals(-5902157311460992607L, x.nextLong());
        assertEquals(-1389169964527427423L, x.nextLong());
        Xoshiro256StarStar y = new Xoshiro256StarStar(42);
        assertEquals(0.08386297105988216, y.nextDouble());
        assertEquals(0.3789802506626686, y.nextDouble());
    }

    @Test
    void randomSeedIsChosenAndReported() {
        Sampler a = new Sampler(SamplingParams.defaults(), 10);
        Sampler b = new Sampler(SamplingParams.defaults(), 10);
        assertNotEquals(SamplingParams.RANDOM_SEED, a.seed());
        assertNotEquals(a.seed(), b.seed()); // 2^-64 chance of a false failure
        assertEquals(5, new Sampler(seeded().seed(5).build(), 10).seed());
    }

    // ---- bad input ----

    @Test
    void badInputIsRejectedWithTheReason() {
        Sampler s = new Sampler(seeded().build(), 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[4], 0, 5))
                .getMessage().contains("vocabSize must be this sampler's 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[6], 3, 4))
                .getMessage().contains("outside an array of length 6"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {0, Float.NaN, 0, 0}, 0, 4))
                .getMessage().contains("logits[1] is NaN"));
        float[] ninf = new float[4];
        Arrays.fill(ninf, Float.NEGATIVE_INFINITY);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(ninf, 0, 4))
                .getMessage().contains("no finite maximum"));
        Sampler g = new Sampler(SamplingParams.greedy(), 4);
        assertThrows(IllegalArgumentException.class, () -> g.sample(new float[] {0, 0, Float.NaN, 0}, 0, 4));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.accept(4))
                .getMessage().contains("token must be in [0, 4)"));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(SamplingParams.defaults(), 0));
    }

    @Test
    void negativeInfinityMasksAreNeverDrawn() {
        float[] logits = {Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY, 0f};
        for (SamplingParams p : new SamplingParams[] {seeded().noFilters().build(), seeded().build(),
            seeded().topK(0).minP(0f).build(), seeded().topK(0).topP(1f).build()}) {
            Sampler s = new Sampler(p, 4);
            for (int i = 0; i < 200; i++) {
                int t = s.sample(logits, 0, 4);
                assertTrue(t == 1 || t == 3, "drew masked token " + t + " with " + p);
            }
        }
    }
}
