package io.jllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine's CPU time counters (Linux /proc/stat) and this process's own (/proc/self/stat), so
 * a benchmark can say how much of the machine other processes, or the hypervisor (steal), took
 * while it measured. On two cores a neighbour that takes one of them halves a two-thread engine and
 * stalls its spin barriers, and a figure measured then says nothing about the code; the load
 * average alone cannot tell that from our own threads.
 *
 * @param total all CPU time of all cores, in clock ticks (user through steal)
 * @param idle  idle and I/O-wait ticks
 * @param steal ticks the hypervisor ran someone else on our virtual CPUs
 * @param own   user and system ticks of this process and of its children that have ended (a
 *              llama.cpp benchmark run as a child counts as ours once it is waited for)
 */
public record HostCpu(long total, long idle, long steal, long own) {
    private static final Path STAT = Path.of("/proc/stat");
    private static final Path SELF = Path.of("/proc/self/stat");

    /**
     * What others took between two snapshots, as shares of the machine's CPU time over that interval.
     *
     * @param others busy time of every other process (steal not included)
     * @param steal  time the hypervisor gave to other guests
     */
    public record Share(double others, double steal) {
        public static final Share UNKNOWN = new Share(Double.NaN, Double.NaN);

        @Override
        public String toString() {
            return Double.isNaN(others) ? "other load unknown"
                    : String.format(java.util.Locale.ROOT, "others %.0f%%, steal %.0f%%", 100 * others, 100 * steal);
        }

        /** Runs' shares, in order, for a report line. */
        public static String join(Share[] runs) {
            return String.join("; ", java.util.Arrays.stream(runs).map(Share::toString).toList());
        }
    }

    /** The counters now, or null where /proc is missing or unreadable (not Linux). */
    public static HostCpu now() {
        try {
            return parse(Files.readAllLines(STAT), Files.readString(SELF));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The share of CPU time others took from {@code before} to {@code after}; UNKNOWN if either is null. */
    public static Share between(HostCpu before, HostCpu after) {
        if (before == null || after == null || after.total <= before.total) {
            return Share.UNKNOWN;
        }
        double total = after.total - before.total;
        double busy = total - (after.idle - before.idle) - (after.steal - before.steal);
        double others = Math.max(0, busy - (after.own - before.own)) / total;
        return new Share(others, (after.steal - before.steal) / total);
    }

    static HostCpu parse(List<String> stat, String self) {
        String cpu = stat.getFirst();
        if (!cpu.startsWith("cpu ")) {
            throw new IllegalArgumentException("not a /proc/stat: " + cpu);
        }
        String[] f = cpu.substring(4).strip().split("\\s+");
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user
        long total = 0;
        for (int i = 0; i < Math.min(8, f.length); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[3]) + Long.parseLong(f[4]);
        long steal = f.length > 7 ? Long.parseLong(f[7]) : 0;
        // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
        String[] s = self.substring(self.lastIndexOf(')') + 2).strip().split("\\s+");
        long own = Long.parseLong(s[11]) + Long.parseLong(s[12]) + Long.parseLong(s[13]) + Long.parseLong(s[14]);
        return new HostCpu(total, idle, steal, own);
    }
}
