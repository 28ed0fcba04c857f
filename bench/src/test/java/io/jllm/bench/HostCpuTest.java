package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCpuTest {
    // a process name with a space and a parenthesis, as /proc allows: fields count from the last ')'
    private static final String SELF = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 700 300 40 60 20 0 30 0";

    private static HostCpu at(long user, long system, long idle, long iowait, long steal, String self) {
        return HostCpu.parse(List.of("cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 " + steal
                + " 0 0", "cpu0 1 2 3 4 5 6 7 8 0 0"), self);
    }

    @Test
    void readsTheMachineLineAndOwnTicks() {
        HostCpu h = at(1000, 200, 5000, 100, 50, SELF);
        assertEquals(1000 + 200 + 5000 + 100 + 50, h.total());
        assertEquals(5100, h.idle());
        assertEquals(50, h.steal());
        assertEquals(700 + 300 + 40 + 60, h.own());
    }

    @Test
    void othersAreTheBusyTicksThatAreNotOurs() {
        HostCpu before = at(1000, 200, 5000, 100, 50, SELF);
        // 1,000 ticks pass: we use 600 (user 500, system 50, an ended child 50), others 300, idle 60,
        // iowait 20, steal 20
        String later = SELF.replace(" 700 300 40 ", " 1200 350 90 ");
        HostCpu after = at(1000 + 800, 200 + 100, 5000 + 60, 100 + 20, 50 + 20, later);
        HostCpu.Share share = HostCpu.between(before, after);
        assertEquals(0.3, share.others(), 1e-12);
        assertEquals(0.02, share.steal(), 1e-12);
        assertEquals("others 30%, steal 2%", share.toString());
    }

    @Test
    void missingCountersGiveUnknownNotZero() {
        HostCpu h = at(1, 1, 1, 1, 1, SELF);
        assertSame(HostCpu.Share.UNKNOWN, HostCpu.between(null, h));
        assertSame(HostCpu.Share.UNKNOWN, HostCpu.between(h, h));
        assertTrue(Double.isNaN(HostCpu.Share.UNKNOWN.others()));
    }

    @Test
    void thisMachineHasCountersOnLinux() {
        if (System.getProperty("os.name").startsWith("Linux")) {
            HostCpu h = HostCpu.now();
            assertNotNull(h);
            assertTrue(h.total() > 0 && h.own() >= 0 && h.own() <= h.total(), h.toString());
        }
    }
}
