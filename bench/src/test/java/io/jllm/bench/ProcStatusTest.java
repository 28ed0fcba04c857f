package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    private static final List<String> STATUS = List.of(
            "Name:\tjava",
            "VmPeak:\t 9000000 kB",
            "VmHWM:\t  823456 kB",
            "VmRSS:\t  612000 kB",
            "RssAnon:\t  200000 kB",
            "RssFile:\t  412000 kB",
            "Threads:\t42");

    @Test
    void readsKibibyteFieldsAsBytes() {
        assertEquals(823456L * 1024, ProcStatus.parse(STATUS, "VmHWM:"));
        assertEquals(612000L * 1024, ProcStatus.parse(STATUS, "VmRSS:"));
        assertEquals(42, ProcStatus.parse(STATUS, "Threads:"));
        assertEquals(-1, ProcStatus.parse(STATUS, "VmSwap:"));
    }

    @Test
    void thisProcessHasAnRssOnLinux() {
        if (System.getProperty("os.name").startsWith("Linux")) {
            long rss = ProcStatus.rss();
            assertTrue(rss > 1 << 20, "RSS " + rss);
            assertTrue(ProcStatus.peakRss() >= rss);
        }
    }
}
