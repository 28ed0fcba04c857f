package io.jllm.bench.speed;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Collections so far, split into young (G1's young and mixed pauses, Parallel's scavenges, ...) and
 * the rest (full and concurrent cycles), plus bytes allocated by all threads where the JVM counts them.
 */
record GcCounts(long young, long other, long allocatedBytes) {
    static GcCounts now() {
        long young = 0;
        long other = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            long count = Math.max(0, gc.getCollectionCount());
            if (isYoung(gc.getName())) {
                young += count;
            } else {
                other += count;
            }
        }
        long allocated = -1;
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            allocated = threads.getTotalThreadAllocatedBytes();
        }
        return new GcCounts(young, other, allocated);
    }

    static boolean isYoung(String collectorName) {
        String n = collectorName.toLowerCase(Locale.ROOT);
        return n.contains("young") || n.contains("scavenge") || n.contains("copy") || n.contains("parnew")
                || n.equals("zgc minor cycles") || n.contains("minor");
    }

    GcCounts minus(GcCounts before) {
        return new GcCounts(young - before.young, other - before.other,
                allocatedBytes < 0 || before.allocatedBytes < 0 ? -1 : allocatedBytes - before.allocatedBytes);
    }
}
