package io.jllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Memory figures of this process from Linux's /proc/self/status (bytes; -1 where unavailable). */
public final class ProcStatus {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcStatus() {
    }

    /** Resident set size now. */
    public static long rss() {
        return field("VmRSS:");
    }

    /** Peak resident set size (since start, or since {@link #resetPeak}). */
    public static long peakRss() {
        return field("VmHWM:");
    }

    /** Resident anonymous memory (heap, KV cache, buffers): what is not a mapped file. */
    public static long rssAnon() {
        return field("RssAnon:");
    }

    /** Resident pages of mapped files (the model's weights). */
    public static long rssFile() {
        return field("RssFile:");
    }

    /**
     * Resets the peak to the current RSS (writing 5 to /proc/self/clear_refs, Linux 4.0+), so a
     * later {@link #peakRss} covers only what ran in between. False where the kernel refuses.
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long field(String name) {
        try {
            return parse(Files.readAllLines(STATUS), name);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long parse(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name)) {
                String[] parts = line.substring(name.length()).strip().split("\\s+");
                long value = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
            }
        }
        return -1;
    }
}
