package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SIMD activation quantizer must write exactly the reference quantizer's bytes. */
class ActivationQuantizerTest {
    private static final List<GgmlType> FORMATS = List.of(GgmlType.Q8_0, GgmlType.Q8_K, GgmlType.F16, GgmlType.BF16);

    @BeforeAll
    static void simdAvailable() {
        assumeTrue(SimdKernels.supported(), "no 256-bit vectors on this machine");
    }

    @Test
    void randomActivationsOfSeveralSizes() {
        for (GgmlType format : FORMATS) {
            for (int tokens : new int[] {1, 3, 8}) {
                for (int cols : new int[] {256, 1024, 3072}) {
                    float[] x = KernelFixtures.activations(tokens * cols, tokens + cols);
                    assertSameAsReference(format, x, tokens, cols);
                }
            }
        }
    }

    @Test
    void halfwayValuesRoundToEven() {
        // one block whose largest magnitude is 127 quantizes with scale 1: x.5 values are ties
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (i % 2 == 0 ? 1 : -1) * ((i % 120) + 0.5f);
        }
        x[7] = 127f;
        for (GgmlType format : FORMATS) {
            assertSameAsReference(format, x, 1, 256);
        }
        Activations a = new Activations(256);
        ActivationQuantizer.quantizeSimd(GgmlType.Q8_K, x, 1, 256, a);
        // x = 2.5 is at index 2: iscale = -127/127 = -1, rint(-2.5) = -2
        assertEquals(-2, a.qs()[2]);
    }

    @Test
    void zerosSpikesTiesOfTheMaximumAndExtremes() {
        float[] x = new float[8 * 256];
        x[300] = 5f;                      // a block with one nonzero value
        x[600] = -3f;                     // the largest magnitude occurs twice with both signs:
        x[601] = 3f;                      // the first one found sets the Q8_K scale's sign
        for (int i = 768; i < 1024; i++) {
            x[i] = 1e-40f * (i - 900);    // subnormals: the Q8_K inverse scale overflows
        }
        for (int i = 1024; i < 1280; i++) {
            x[i] = 3e38f * ((i % 3) - 1); // near the float maximum
        }
        x[1300] = Float.POSITIVE_INFINITY;
        x[1600] = Float.NaN;
        x[1800] = Float.NEGATIVE_INFINITY;
        x[1801] = Float.NaN;
        for (GgmlType format : FORMATS) {
            assertSameAsReference(format, x, 1, x.length);
        }
    }

    @Test
    void capacityAndBlockSizeAreChecked() {
        Activations a = new Activations(512);
        assertThrows(IllegalArgumentException.class,
                () -> ActivationQuantizer.quantizeSimd(GgmlType.Q8_K, new float[1024], 4, 256, a));
        assertThrows(IllegalArgumentException.class,
                () -> ActivationQuantizer.quantizeSimd(GgmlType.Q8_K, new float[300], 1, 300, a));
        assertThrows(IllegalArgumentException.class, () -> new Activations(0));
    }

    private static void assertSameAsReference(GgmlType format, float[] x, int tokens, int cols) {
        Activations expected = new Activations(tokens * cols);
        Activations actual = new Activations(tokens * cols);
        ActivationQuantizer.quantize(format, x, tokens, cols, expected);
        ActivationQuantizer.quantizeSimd(format, x, tokens, cols, actual);
        String what = format + " " + tokens + "x" + cols;
        int n = tokens * cols;
        switch (format) {
            case F16, BF16 -> assertArrayEquals(Arrays.copyOf(expected.half, n), Arrays.copyOf(actual.half, n), what);
            case Q8_0 -> {
                assertArrayEquals(Arrays.copyOf(expected.qs, n), Arrays.copyOf(actual.qs, n), what);
                assertArrayEquals(bits(expected.scales, n / 32), bits(actual.scales, n / 32), what);
            }
            case Q8_K -> {
                assertArrayEquals(Arrays.copyOf(expected.qs, n), Arrays.copyOf(actual.qs, n), what);
                assertArrayEquals(bits(expected.scales, n / 256), bits(actual.scales, n / 256), what);
                assertArrayEquals(Arrays.copyOf(expected.bsums, n / 16), Arrays.copyOf(actual.bsums, n / 16), what);
            }
            default -> throw new IllegalArgumentException(format.toString());
        }
    }

    private static int[] bits(float[] values, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
