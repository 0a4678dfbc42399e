package dev.portlocal.bench.runner;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcStatsTest {

    @Test
    void cpuTicksAreUtimePlusStimeEvenWhenTheCommandHasSpacesAndParentheses() {
        String stat = "4242 (nginx: worker (x)) S 4241 4241 4241 0 -1 4194624 1000 0 0 0 150 27 0 0 20 0 1 0 "
                + "12345 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(177, ProcStats.cpuTicks(stat));
    }

    @Test
    void rejectsALineThatIsNotAStatLine() {
        assertThrows(IllegalArgumentException.class, () -> ProcStats.cpuTicks("no parenthesis"));
    }

    @Test
    void vmRssIsReadInKibAndAbsentForKernelThreads() {
        String status = "Name:\thaproxy\nVmPeak:\t  100 kB\nVmRSS:\t   31337 kB\nThreads:\t2\n";
        assertEquals(OptionalLong.of(31337), ProcStats.vmRssKiB(status));
        assertEquals(OptionalLong.empty(), ProcStats.vmRssKiB("Name:\tkthreadd\nThreads:\t1\n"));
    }

    @Test
    void readsThisJvmFromProc() {
        ProcStats stats = new ProcStats(100);
        long pid = ProcessHandle.current().pid();
        assertTrue(stats.cpuNanos(pid) > 0);
        assertTrue(stats.rssKiB(pid) > 1024, "a JVM is more than 1 MiB resident");
        assertEquals(OptionalLong.of(pid), stats.findJava(pid));
    }
}
