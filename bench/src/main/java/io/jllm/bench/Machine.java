package io.jllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** What the figures were measured on: CPU model and SIMD flags, cores, memory, JDK, load. */
public final class Machine {
    private Machine() {
    }

    /** The first "model name" of /proc/cpuinfo, or os.arch where that file is missing. */
    public static String cpuModel() {
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return System.getProperty("os.arch");
    }

    /** The widest SIMD extensions the CPU reports (avx2, avx512f, ...), as the Vector API may use them. */
    public static String simd() {
        Set<String> found = new TreeSet<>();
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
                for (String flag : line.substring(line.indexOf(':') + 1).strip().split("\\s+")) {
                    if (flag.equals("avx2") || flag.equals("fma") || flag.equals("avx512f") || flag.equals("avx512bw")
                            || flag.equals("avx512_vnni") || flag.equals("avx_vnni") || flag.equals("f16c")) {
                        found.add(flag);
                    }
                }
                break;
            }
        }
        return found.isEmpty() ? "unknown" : String.join(" ", found);
    }

    public static long memTotalBytes() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** The 1-minute load average, or NaN. A load above the core count means the figures are noisy. */
    public static double loadAverage() {
        List<String> lines = lines(Path.of("/proc/loadavg"));
        if (lines.isEmpty()) {
            return Double.NaN;
        }
        return Double.parseDouble(lines.getFirst().split("\\s+")[0]);
    }

    /** One line for a results section. */
    public static String describe() {
        return String.format(Locale.ROOT, "%s (%s), %d cores, %.1f GiB; JDK %s; load average %.2f at start",
                cpuModel(), simd(), Runtime.getRuntime().availableProcessors(),
                memTotalBytes() / (1024.0 * 1024 * 1024), Runtime.version(), loadAverage());
    }

    private static List<String> lines(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
