package io.jllm.engine.sampling;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Picks the next token of one sequence from its logits. Stateful and not thread-safe: one per sequence.
 *
 * <p>The chain is llama.cpp's default order ({@code common_params_sampling::samplers} in common/common.h, built
 * by common/sampling.cpp) restricted to the samplers jLLM has: the logit bias (which common/sampling.cpp puts
 * ahead of the configurable chain), penalties, top-k, top-p, min-p, temperature, then a draw from the softmax
 * ({@code dist}). So top-p and min-p see the temperature-1 distribution (renormalized over the top-k set when
 * top-k is on) and the temperature only reshapes what survives; each step's math follows src/llama-sampler.cpp.
 * With {@code temperature == 0} the result is the argmax of the biased and penalized logits, lowest token id on
 * ties (llama.cpp's greedy sampler keeps the first maximum by strict {@code >}); the filters cannot change it,
 * since they all keep the top token.
 *
 * <p>Filters prune before anything is sorted: top-k uses a bounded heap, min-p a logit threshold
 * ({@code max + ln(minP)}), and top-p without top-k first finds, with vector passes over the vocabulary, a logit
 * threshold above which its set must lie, then takes candidates best first from a heap only until the mass is
 * reached. Scratch space is sized to the vocabulary once, here; {@link #sample} allocates nothing.
 *
 * <p>Every stochastic {@link #sample} draws exactly one number from a xoshiro256** stream, so a seed and the same
 * sequence of logits give the same tokens across runs and JVMs, as far as {@code exp} (Math.exp and the Vector
 * API's EXP) gives the same bits, which holds for one JDK build on one CPU family.
 */
public final class Sampler {
    private final SamplingParams params;
    private final int vocabSize;
    private final long seed;
    private final Xoshiro256StarStar random;
    private final RepetitionPenalties penalties;
    /** Null when the request sets no bias; else its tokens' unbiased logits during a call. */
    private final float[] unbiased;
    private final Candidates candidates;
    private final float[] weights;
    private final double[] blockSums;
    private final float logMinP;

    /**
     * @param params    validated sampling parameters; a {@link SamplingParams#RANDOM_SEED} is replaced by a fresh
     *                  random seed, reported by {@link #seed()}
     * @param vocabSize the length of every logits vector this sampler will see
     */
    public Sampler(SamplingParams params, int vocabSize) {
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        if (params.logitBias().maxToken() >= vocabSize) {
            throw new IllegalArgumentException("logitBias names token " + params.logitBias().maxToken()
                    + "; the vocabulary has ids 0 to " + (vocabSize - 1));
        }
        this.params = params;
        this.vocabSize = vocabSize;
        this.unbiased = params.logitBias().isEmpty() ? null : new float[params.logitBias().size()];
        this.seed = params.seed() == SamplingParams.RANDOM_SEED ? freshSeed() : params.seed();
        this.random = new Xoshiro256StarStar(seed);
        this.penalties = params.penalizes()
                ? new RepetitionPenalties(vocabSize, params.penaltyLastN(), params.repetitionPenalty(),
                        params.frequencyPenalty(), params.presencePenalty())
                : null;
        boolean greedy = params.isGreedy();
        this.candidates = greedy ? null : new Candidates(vocabSize);
        this.weights = greedy ? null : new float[vocabSize];
        this.blockSums = greedy ? null : new double[LogitScan.blocks(vocabSize)];
        this.logMinP = (float) Math.log(params.minP());
    }

    private static long freshSeed() {
        long s;
        do {
            s = new SecureRandom().nextLong();
        } while (s == SamplingParams.RANDOM_SEED);
        return s;
    }

    /** The seed this sampler's stream started from: the requested one, or the random one chosen for it. */
    public long seed() {
        return seed;
    }

    public SamplingParams params() {
        return params;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Records a token of the sequence (prompt tokens too) for the penalties. {@link #sample} does not record
     * the token it returns: the caller accepts it, as with llama.cpp's {@code common_sampler_accept}.
     */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token must be in [0, " + vocabSize + "), got " + token);
        }
        if (penalties != null) {
            penalties.accept(token);
        }
    }

    /** Records several tokens, e.g. a prompt, in order. */
    public void accept(int[] tokens, int from, int to) {
        for (int i = from; i < to; i++) {
            accept(tokens[i]);
        }
    }

    /**
     * Chooses the next token from {@code logits[offset .. offset + vocabSize)}. The array is used as scratch
     * during the call (the bias and penalties are applied in place) and holds its original values again on return.
     *
     * @throws IllegalArgumentException if the range does not fit, its length is not this sampler's vocabulary
     *                                  size, or the logits contain NaN or have no finite maximum
     */
    public int sample(float[] logits, int offset, int vocabSize) {
        if (vocabSize != this.vocabSize) {
            throw new IllegalArgumentException(
                    "vocabSize must be this sampler's " + this.vocabSize + ", got " + vocabSize);
        }
        if (logits == null || offset < 0 || offset > logits.length - vocabSize) {
            throw new IllegalArgumentException("logits[" + offset + " .. " + (offset + vocabSize) + ") is outside "
                    + (logits == null ? "a null array" : "an array of length " + logits.length));
        }
        shape(logits, offset);
        try {
            return params.isGreedy() ? argmax(logits, offset) : draw(logits, offset);
        } finally {
            unshape(logits, offset);
        }
    }

    /** The bias, then the penalties (on the biased logits, as in llama.cpp's chain), in place. */
    private void shape(float[] logits, int offset) {
        if (unbiased != null) {
            params.logitBias().apply(logits, offset, unbiased);
        }
        if (penalties != null) {
            penalties.apply(logits, offset);
        }
    }

    /** Undoes {@link #shape} in reverse order, so the caller's logits hold their original values again. */
    private void unshape(float[] logits, int offset) {
        if (penalties != null) {
            penalties.restore(logits, offset);
        }
        if (unbiased != null) {
            params.logitBias().restore(logits, offset, unbiased);
        }
    }

    /** First index of the maximum, which is llama.cpp's greedy choice (strict {@code >} keeps the first). */
    private int argmax(float[] logits, int offset) {
        return LogitScan.nextAtLeast(logits, offset, 0, vocabSize, maxOf(logits, offset));
    }

    /** The largest logit; throws if any is NaN or the largest is infinite. */
    private float maxOf(float[] logits, int offset) {
        float max = LogitScan.max(logits, offset, vocabSize);
        if (Float.isFinite(max)) {
            return max;
        }
        for (int i = 0; i < vocabSize; i++) {
            if (Float.isNaN(logits[offset + i])) {
                throw new IllegalArgumentException("logits[" + (offset + i) + "] is NaN (token " + i + ")");
            }
        }
        throw new IllegalArgumentException("logits have no finite maximum (max = " + max + ")");
    }

    private int draw(float[] logits, int offset) {
        float max = maxOf(logits, offset);
        if (!filters()) {
            return drawFromVocabulary(logits, offset, max);
        }
        return drawFromCandidates(filter(logits, offset, max), max);
    }

    private boolean filters() {
        return (params.topK() > 0 && params.topK() < vocabSize) || params.topP() < 1f || params.minP() > 0f;
    }

    /** Applies top-k, top-p and min-p, leaving the survivors in {@code candidates.keys[0..count)}; returns count. */
    private int filter(float[] logits, int offset, float max) {
        int topK = params.topK() > 0 && params.topK() < vocabSize ? params.topK() : 0;
        boolean topP = params.topP() < 1f;
        boolean minP = params.minP() > 0f;
        float floor = minP ? max + logMinP : Float.NEGATIVE_INFINITY;
        if (topK > 0) {
            int count = candidates.selectTopK(logits, offset, vocabSize, topK);
            if (topP) {
                count = topPOfSorted(count, max);
            }
            return minP ? prefixAtLeast(count, floor) : count;
        }
        if (topP) {
            return topPOfVocabulary(logits, offset, max, floor);
        }
        return candidates.gatherAtLeast(logits, offset, vocabSize, floor);
    }

    /**
     * For tests: the tokens that survive penalties and the filters for these logits (all of them when no filter
     * is on), in no promised order. Allocates; does not draw.
     */
    int[] survivors(float[] logits, int offset) {
        if (params.isGreedy()) {
            throw new IllegalStateException("a greedy sampler has no candidate set");
        }
        shape(logits, offset);
        try {
            float max = maxOf(logits, offset);
            if (!filters()) {
                int[] all = new int[vocabSize];
                Arrays.setAll(all, i -> i);
                return all;
            }
            int count = filter(logits, offset, max);
            int[] tokens = new int[count];
            for (int i = 0; i < count; i++) {
                tokens[i] = Candidates.token(candidates.keys[i]);
            }
            return tokens;
        } finally {
            unshape(logits, offset);
        }
    }

    /** llama.cpp's top-p over the sorted {@code keys[0..count)}: renormalize, keep the shortest prefix reaching p. */
    private int topPOfSorted(int count, float max) {
        long[] keys = candidates.keys;
        double total = 0;
        for (int i = 0; i < count; i++) {
            total += Math.exp(Candidates.logit(keys[i]) - max);
        }
        double target = params.topP() * total;
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += Math.exp(Candidates.logit(keys[i]) - max);
            if (cumulative >= target) {
                return i + 1;
            }
        }
        return count;
    }

    /** Keeps the prefix of the sorted candidates whose logits are at least {@code floor} (always the first). */
    private int prefixAtLeast(int count, float floor) {
        long[] keys = candidates.keys;
        int n = 1;
        while (n < count && Candidates.logit(keys[n]) >= floor) {
            n++;
        }
        return n;
    }

    /**
     * Top-p over the whole vocabulary, then min-p, leaving the survivors in {@code keys[0..count)}. The top-p set
     * is a prefix of the tokens by logit, so it lies above the highest logit threshold whose mass reaches p:
     * thresholds {@code max - 0.25, max - 0.5, ... max - 16} nats are tried with vector passes and the bracket
     * is narrowed by bisection. When min-p is on its floor bounds the set directly. Only the tokens above the
     * threshold are gathered, and a heap hands them out best first until the running mass reaches p.
     */
    private int topPOfVocabulary(float[] logits, int offset, float max, float floor) {
        float[] e = weights;
        double target = params.topP() * LogitScan.expInto(logits, offset, vocabSize, max, 1f, e, blockSums);
        boolean minP = floor > Float.NEGATIVE_INFINITY;
        float threshold = minP ? floor : thresholdReaching(logits, offset, max, target);
        while (true) {
            int count = candidates.gatherAtLeast(logits, offset, vocabSize, threshold);
            int kept = prefixReaching(count, target);
            // Float sums can put the threshold a hair too high; then retry with everything (rarely taken).
            if (kept > 0 || minP || threshold == Float.NEGATIVE_INFINITY) {
                return kept > 0 ? kept : count;
            }
            threshold = Float.NEGATIVE_INFINITY;
        }
    }

    /** A logit threshold whose tokens' mass ({@code weights}) is at least {@code target}, and not much more. */
    private float thresholdReaching(float[] logits, int offset, float max, double target) {
        float low = Float.NEGATIVE_INFINITY;
        float high = max; // invariant: mass(>= low) reaches the target; mass(>= high) might not
        for (float gap = 0.25f; gap <= 16f; gap *= 2) {
            if (LogitScan.massAtLeast(logits, offset, vocabSize, max - gap, weights) >= target) {
                low = max - gap;
                break;
            }
            high = max - gap;
        }
        if (low == Float.NEGATIVE_INFINITY) {
            return low;
        }
        for (int i = 0; i < 3; i++) {
            float mid = (low + high) * 0.5f;
            if (LogitScan.massAtLeast(logits, offset, vocabSize, mid, weights) >= target) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * Orders the shortest best-first prefix of {@code keys[0..count)} whose mass ({@code weights}) reaches
     * {@code target} to the front and returns its length; returns 0 (order unspecified) if all of them fall short.
     */
    private int prefixReaching(int count, double target) {
        long[] keys = candidates.keys;
        float[] e = weights;
        double all = 0;
        for (int i = 0; i < count; i++) {
            all += e[Candidates.token(keys[i])];
        }
        if (all < target) {
            return 0;
        }
        candidates.heapifyMin(count);
        int heap = count;
        double cumulative = 0;
        while (heap > 0) {
            candidates.popMinToEnd(heap);
            heap--;
            cumulative += e[Candidates.token(keys[heap])];
            if (cumulative >= target) {
                break;
            }
        }
        // The kept tokens sit at keys[heap .. count), best last; move them to the front, best first.
        int kept = count - heap;
        System.arraycopy(keys, heap, keys, 0, kept);
        candidates.reverse(0, kept);
        return kept;
    }

    /** The last step, llama.cpp's {@code dist}: temperature, softmax and one draw over {@code keys[0..count)}. */
    private int drawFromCandidates(int count, float max) {
        long[] keys = candidates.keys;
        float[] w = weights;
        float invTemperature = 1f / params.temperature();
        double total = 0;
        for (int i = 0; i < count; i++) {
            float p = (float) Math.exp((Candidates.logit(keys[i]) - max) * invTemperature);
            w[i] = p;
            total += p;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += w[i];
            if (cumulative >= target && w[i] > 0f) {
                return Candidates.token(keys[i]);
            }
        }
        return Candidates.token(keys[0]);
    }

    /** {@code dist} straight over the logits when no filter is on. */
    private int drawFromVocabulary(float[] logits, int offset, float max) {
        double total = LogitScan.expInto(logits, offset, vocabSize, max, 1f / params.temperature(), weights,
                blockSums);
        return LogitScan.pick(weights, vocabSize, blockSums, random.nextDouble() * total);
    }
}
