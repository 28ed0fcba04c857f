package io.jllm.engine.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Heap float arrays whose data from {@link #PAD} on starts a cache line, for the kernels' scratch
 * that 64-byte vectors are loaded from. A {@code float[]}'s elements start 16 bytes after the
 * array does, so with a line-aligned array every 64-byte load at a multiple of 16 floats straddles
 * two lines. Under G1 an array of at least half a region is humongous and starts a region of its
 * own, hence a line: such an array, read {@link #PAD} floats in, is aligned. Under another collector,
 * or where the VM does not say its region size, the arrays are just as long as asked and
 * the loads merely unaligned, as before.
 */
final class AlignedFloats {
    /** Where the aligned data starts: 16 bytes of header + 12 floats = 64. */
    static final int PAD = 12;
    /** Floats in half a G1 region, or 0. */
    private static final int HUMONGOUS = humongousFloats();

    private AlignedFloats() {
    }

    /** An array with at least {@code floats} aligned floats from {@link #PAD} on. */
    static float[] allocate(int floats) {
        return new float[Math.max(PAD + floats, HUMONGOUS)];
    }

    private static int humongousFloats() {
        try {
            HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (!"true".equals(bean.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            long region = Long.parseLong(bean.getVMOption("G1HeapRegionSize").getValue());
            // at most 16 MiB: regions go up to 32 MiB, more scratch than any alignment is worth
            return (int) Math.min(4L << 20, region / 2 / Float.BYTES + 1);
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }
}
