package io.jllm.bench;

import java.util.Arrays;

/**
 * Order statistics of measured samples. Percentiles interpolate linearly between the two closest
 * ranks (numpy's default, "type 7"), so the median of an even count is the mean of the middle two
 * and p99 of a small sample lies between its two largest values rather than jumping to the maximum.
 */
public final class Samples {
    private Samples() {
    }

    public static double median(double[] values) {
        return percentile(values, 50);
    }

    /** The {@code p}-th percentile ({@code 0 <= p <= 100}) of {@code values}, which it does not modify. */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples: a percentile needs at least one value");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double rank = p / 100.0 * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = Math.min(low + 1, sorted.length - 1);
        double weight = rank - low;
        return sorted[low] + (sorted[high] - sorted[low]) * weight;
    }

    public static double min(double[] values) {
        return percentile(values, 0);
    }

    public static double max(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples: a maximum needs at least one value");
        }
        double m = values[0];
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** {@code numerator / denominator}, or NaN when either is missing (NaN) or the denominator is zero. */
    public static double ratio(double numerator, double denominator) {
        if (Double.isNaN(numerator) || Double.isNaN(denominator) || denominator == 0) {
            return Double.NaN;
        }
        return numerator / denominator;
    }
}
