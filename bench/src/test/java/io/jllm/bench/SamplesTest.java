package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Exact arithmetic on small inputs: every expected value is worked out by hand (tolerance 1e-12 for rounding). */
class SamplesTest {
    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.0, Samples.median(new double[] {5, 1, 3}), 1e-12);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Samples.median(new double[] {4, 1, 3, 2}), 1e-12);
    }

    @Test
    void percentilesInterpolateBetweenRanks() {
        double[] oneToHundred = new double[100];
        for (int i = 0; i < 100; i++) {
            oneToHundred[i] = i + 1;
        }
        // rank = p/100 * (n-1): p99 -> 98.01, between 99 and 100
        assertEquals(99.01, Samples.percentile(oneToHundred, 99), 1e-12);
        assertEquals(50.5, Samples.percentile(oneToHundred, 50), 1e-12);
        assertEquals(1.0, Samples.percentile(oneToHundred, 0), 1e-12);
        assertEquals(100.0, Samples.percentile(oneToHundred, 100), 1e-12);
        // Few samples: p99 of {10, 20} lies just below the maximum, not at it.
        assertEquals(19.9, Samples.percentile(new double[] {20, 10}, 99), 1e-12);
    }

    @Test
    void oneSampleIsEveryPercentile() {
        assertEquals(7.0, Samples.percentile(new double[] {7}, 99), 0);
        assertEquals(7.0, Samples.min(new double[] {7}), 0);
        assertEquals(7.0, Samples.max(new double[] {7}), 0);
    }

    @Test
    void inputIsNotReordered() {
        double[] values = {3, 1, 2};
        Samples.median(values);
        assertArrayEquals(new double[] {3, 1, 2}, values);
    }

    @Test
    void noSamplesOrABadPercentileIsAClearError() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Samples.median(new double[0]));
        assertTrue(empty.getMessage().contains("no samples"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Samples.percentile(new double[] {1}, 101));
        assertTrue(bad.getMessage().contains("101"));
        assertThrows(IllegalArgumentException.class, () -> Samples.percentile(new double[] {1}, Double.NaN));
    }

    @Test
    void ratioIsMissingWhenEitherSideIs() {
        assertEquals(1.5, Samples.ratio(3, 2), 1e-12);
        assertTrue(Double.isNaN(Samples.ratio(3, Double.NaN)));
        assertTrue(Double.isNaN(Samples.ratio(Double.NaN, 2)));
        assertTrue(Double.isNaN(Samples.ratio(3, 0)));
    }
}
