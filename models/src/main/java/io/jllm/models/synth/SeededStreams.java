package io.jllm.models.synth;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * Deterministic random streams: one per (seed, tensor name, row), so a tensor's values do not depend
 * on the order tensors are written in, on how rows are split into chunks, or on the thread count.
 *
 * <p>A stream is SplitMix64 (the generator behind {@link java.util.SplittableRandom}, Steele, Lea and
 * Flood, OOPSLA 2014) with a reseedable state, so a worker reuses one object for all its rows instead
 * of allocating a generator per row. Gaussians come from {@link RandomGenerator#nextGaussian()}.
 */
final class SeededStreams implements RandomGenerator {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    /** The seed of a tensor's streams. */
    static long tensorSeed(long seed, String tensorName) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the name's UTF-8 bytes
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix64(mix64(seed) ^ h);
    }

    /** Restarts this object as the stream of one row of a tensor. */
    void startRow(long tensorSeed, long row) {
        state = mix64(tensorSeed + (row + 1) * GOLDEN_GAMMA);
    }

    @Override
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** SplitMix64's output function (Stafford's variant 13). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
