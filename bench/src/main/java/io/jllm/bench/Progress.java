package io.jllm.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress lines on standard error, stamped with the time since the command started, so long runs
 * show they are alive while standard output keeps only the tables.
 */
public final class Progress {
    private final String name;
    private final long start = System.nanoTime();
    private final PrintStream out;
    private int lastPercent = -1;

    public Progress(String name) {
        this(name, System.err);
    }

    Progress(String name, PrintStream out) {
        this.name = name;
        this.out = out;
    }

    public void say(String message) {
        out.printf(Locale.ROOT, "[%s %6.1fs] %s%n", name, seconds(), message);
        out.flush();
    }

    public void say(String pattern, Object... args) {
        say(String.format(Locale.ROOT, pattern, args));
    }

    /** Reports {@code done / total} at most once per ten percent. */
    public void fraction(String what, long done, long total) {
        int percent = total <= 0 ? 100 : (int) (100 * done / total);
        if (percent / 10 != lastPercent / 10 || percent == 100 && lastPercent != 100) {
            lastPercent = percent;
            say("%s %3d%%", what, percent);
        }
        if (percent == 100) {
            lastPercent = -1;
        }
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
