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
        String rollup = "55d4c6e00000-7ffd1a5f2000 ---p 00000000 00:00 0    [rollup]\nRss:    \t  14336 kB\n"
                + "Pss:               10240 kB\nPss_Anon:           8000 kB\n";
        assertEquals(OptionalLong.of(10240), ProcStats.pssKiB(rollup));
        assertEquals(OptionalLong.empty(), ProcStats.pssKiB("Rss: 1 kB\n"));
        assertEquals(OptionalLong.of(21), ProcStats.threads("Name:\tjava\nThreads:\t21\n"));
    }

    @Test
    void countsListeningPortsInARangeFromTheKernelsTable() {
        String table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout\n"
                + "   0: 0100007F:F618 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0\n"
                + "   1: 0100007F:F618 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0\n"
                + "   2: 0100007F:F619 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0\n"
                + "   3: 0100007F:1451 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0\n";
        java.util.BitSet ports = new java.util.BitSet();
        ProcStats.listening(table, ProcStats.ipv4Hex("127.0.0.1"), 63000, 63999, ports);
        assertEquals("{63000}", ports.toString(), "one port however many sockets; not the established one");
    }

    @Test
    void countsOnlyListenersOnTheProxysAddressOrTheWildcard() {
        // 198.18.1.1 is 0101 12C6 in the table's byte order; 63000-63003 = F618-F61B.
        String v4 = "  sl  local_address rem_address   st tx_queue\n"
                + "   0: 010112C6:F618 00000000:0000 0A 00000000:00000000\n"
                + "   1: 0100007F:F619 00000000:0000 0A 00000000:00000000\n"
                + "   2: 00000000:F61A 00000000:0000 0A 00000000:00000000\n"
                + "   3: 010112C6:F61B 020112C6:9C40 06 00000000:00000000\n";
        String v6 = "  sl  local_address                         remote_address                        st\n"
                + "   0: 0000000000000000FFFF0000010112C6:F61B 00000000000000000000000000000000:0000 0A 0\n";
        assertEquals("010112C6", ProcStats.ipv4Hex("198.18.1.1"));
        assertEquals("0100007F", ProcStats.ipv4Hex("127.0.0.1"));
        java.util.BitSet ports = new java.util.BitSet();
        ProcStats.listening(v4, ProcStats.ipv4Hex("198.18.1.1"), 63000, 63999, ports);
        ProcStats.listening(v6, ProcStats.ipv4Hex("198.18.1.1"), 63000, 63999, ports);
        assertEquals("{63000, 63002, 63003}", ports.toString(),
                "its own address, the wildcard and the mapped address; not loopback, not TIME_WAIT");
        assertThrows(IllegalArgumentException.class, () -> ProcStats.ipv4Hex("::1"));
    }

    @Test
    void countsTheSameFromSsOutput() {
        String ss = "LISTEN 0      4096      198.18.1.1:63000      0.0.0.0:*\n"
                + "LISTEN 0      4096       127.0.0.1:63001      0.0.0.0:*\n"
                + "LISTEN 0      4096         0.0.0.0:63002      0.0.0.0:*\n"
                + "LISTEN 0      4096 [::ffff:198.18.1.1]:63003        *:*\n"
                + "LISTEN 0      4096            [::]:64500         [::]:*\n";
        java.util.BitSet ports = new java.util.BitSet();
        ProcStats.listeningSs(ss, "198.18.1.1", 63000, 63999, ports);
        assertEquals("{63000, 63002, 63003}", ports.toString(), "its own, the wildcard, the mapped; in range only");
    }

    @Test
    void seesThisJvmsOwnListener() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            ProcStats stats = new ProcStats(100);
            assertEquals(1, stats.listeningPorts(ProcessHandle.current().pid(), "127.0.0.1", port, port));
            assertTrue(stats.threads(ProcessHandle.current().pid()) > 1);
        }
    }

    @Test
    void looksPastTheTimeoutWrapperToTheProgram() throws Exception {
        Process wrapped = new ProcessBuilder("timeout", "20", "sleep", "10").start();
        try {
            ProcStats stats = new ProcStats(100);
            long wrapper = wrapped.pid();
            long program = -1;
            for (int i = 0; i < 200 && program < 0; i++) { // until timeout has forked its child, at most 2 s
                program = wrapped.toHandle().children().mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
                Thread.sleep(10);
            }
            assertTrue(program > 0, "timeout started sleep");
            assertEquals(program, stats.withoutWrapper(wrapper));
            assertEquals(program, stats.withoutWrapper(program), "a process that is no wrapper is itself");
        } finally {
            wrapped.destroy();
        }
    }

    @Test
    void readsThisJvmFromProc() {
        ProcStats stats = new ProcStats(100);
        long pid = ProcessHandle.current().pid();
        assertTrue(stats.cpuNanos(pid) > 0);
        assertTrue(stats.rssKiB(pid) > 1024, "a JVM is more than 1 MiB resident");
        long pss = stats.pssKiB(pid);
        assertTrue(pss > 0 && pss <= stats.rssKiB(pid) + 1024, "PSS " + pss + " KiB is at most RSS");
        assertEquals(OptionalLong.of(pid), stats.findJava(pid));
    }

    @Test
    void machineBusyTimeIsEverythingButIdleAndIowait() {
        String stat = "cpu  44399 7 13013 1275380 207 3 5077 11 900 0\ncpu0 22321 0 6047 638080 35 0 2496 89 0 0\n"
                + "intr 1 2 3\n";
        // user + nice + system + irq + softirq + steal; guest (900) is already counted in user.
        assertEquals(44399 + 7 + 13013 + 3 + 5077 + 11, ProcStats.machineBusyTicks(stat));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcStats.machineBusyTicks("cpu 1 2 3\n"));
        assertTrue(e.getMessage().startsWith("/proc/stat: cpu 1 2 3 (expected:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcStats.machineBusyTicks("intr 1\n"));
    }

    @Test
    void thisMachinesBusyTimeGrows() {
        ProcStats proc = new ProcStats(100);
        long before = proc.machineCpuNanos();
        assertTrue(before > 0, "read /proc/stat");
        assertTrue(proc.machineCpuNanos() >= before);
    }
}
