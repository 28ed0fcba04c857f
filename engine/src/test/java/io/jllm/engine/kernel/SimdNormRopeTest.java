package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batched RMSNorm and RoPE give their one-row references' bits exactly (no tolerance: the
 * forward pass's results must not depend on how many rows or heads a call covers). Runs at 512 and
 * 256 bits (Surefire's second execution).
 */
class SimdNormRopeTest {
    private static float[] values(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // a wide spread of magnitudes, so the double sums carry many bits
            x[i] = (float) (random.nextGaussian() * Math.exp(random.nextGaussian() * 3));
        }
        return x;
    }

    @Test
    void rmsNormRowsGivesEachRowsReferenceBits() {
        SplittableRandom random = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {128, 1024, 100, 7}) {
                MemorySegment w = arena.allocate((long) n * Float.BYTES);
                for (int i = 0; i < n; i++) {
                    w.setAtIndex(Norms.F32, i, (float) random.nextGaussian());
                }
                for (int rows = 1; rows <= 9; rows++) {
                    int stride = n + 3;
                    float[] x = values(random, rows * stride + 5);
                    float[] expected = new float[x.length];
                    for (int r = 0; r < rows; r++) {
                        Norms.rmsNorm(x, 2 + r * stride, expected, 2 + r * stride, n, w, 1e-6f);
                    }
                    float[] out = new float[x.length];
                    Norms.rmsNormRows(x, 2, out, 2, stride, rows, n, w, 1e-6f);
                    assertArrayEquals(expected, out, n + " values, " + rows + " rows");
                    // in place, as the Q/K heads are normalized
                    float[] inPlace = x.clone();
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(expected, 2 + r * stride, x, 2 + r * stride, n);
                    }
                    Norms.rmsNormRows(inPlace, 2, inPlace, 2, stride, rows, n, w, 1e-6f);
                    assertArrayEquals(x, inPlace, n + " values, " + rows + " rows, in place");
                }
            }
        }
    }

    @Test
    void applyHeadsGivesEachHeadsReferenceBits() {
        SplittableRandom random = new SplittableRandom(12);
        for (int dims : new int[] {128, 64, 12}) {
            for (int pos : new int[] {0, 1, 17, 4095, 40_000}) {
                float[] table = new float[dims + 3];
                Rope.table(pos, dims, 1_000_000f, 1f, table, 3);
                for (int heads : new int[] {1, 8, 16}) {
                    float[] v = values(random, heads * dims + 4);
                    float[] expected = v.clone();
                    for (int h = 0; h < heads; h++) {
                        Rope.apply(expected, 4 + h * dims, dims, table, 3);
                    }
                    Rope.applyHeads(v, 4, heads, dims, table, 3);
                    assertArrayEquals(expected, v, dims + " dims, position " + pos + ", " + heads + " heads");
                }
            }
        }
    }

    @Test
    void theTableRotatesByTheGgmlAngles() {
        // cos and sin of pos * base^(-2i/dims), as ggml's float recurrence computes it: within a few
        // ulp of the exact angle's for small positions (the recurrence's rounding grows with i)
        float[] table = new float[128];
        Rope.table(3, 128, 1_000_000f, 1f, table, 0);
        for (int i = 0; i < 64; i++) {
            double angle = 3 * Math.pow(1_000_000, -2.0 * i / 128);
            assertEquals(Math.cos(angle), table[i], 1e-5, "cos " + i);
            assertEquals(Math.sin(angle), table[64 + i], 1e-5, "sin " + i);
        }
    }
}
