package io.jllm.bench;

import java.util.Locale;

/** Number formatting for tables: fixed decimals, an em dash where a figure is missing (NaN). */
public final class Fmt {
    public static final String MISSING = "—";

    private Fmt() {
    }

    public static String num(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return MISSING;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A ratio as "1.23x". */
    public static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? MISSING : num(value, 2) + "x";
    }

    public static String mib(long bytes) {
        return bytes < 0 ? MISSING : num(bytes / (1024.0 * 1024.0), 1);
    }

    /** A goal check: "yes", "no", or the em dash when the figure is missing. */
    public static String meets(double value, double goal, boolean atLeast) {
        if (Double.isNaN(value)) {
            return MISSING;
        }
        return (atLeast ? value >= goal : value <= goal) ? "yes" : "no";
    }

    public static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
