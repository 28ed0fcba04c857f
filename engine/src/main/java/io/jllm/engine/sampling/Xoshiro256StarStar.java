package io.jllm.engine.sampling;

/**
 * xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64, written out here rather than taken from
 * the JDK so that a seed gives the same stream on every JVM and version (the JDK documents its generators'
 * algorithms but not how a {@code long} seed is expanded into their state). Not thread-safe: one per sequence.
 */
final class Xoshiro256StarStar {
    private long s0;
    private long s1;
    private long s2;
    private long s3;

    Xoshiro256StarStar(long seed) {
        // SplitMix64 fills the 256-bit state, as the authors recommend; it never yields an all-zero state.
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = mix(x);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
