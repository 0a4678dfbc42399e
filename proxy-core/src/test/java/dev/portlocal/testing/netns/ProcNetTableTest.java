package dev.portlocal.testing.netns;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProcNetTableTest {

    /** Shaped as the kernel prints them: a header, then one line per socket; tcp6 and udp6 absent (no IPv6). */
    private static final String DUMP = """
            # tcp
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0B0012C6:23DC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1
               1: 00000000:EE48 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1
               2: 0B0012C6:EE48 010012C6:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 1003 1
               3: 0B0012C6:EE49 010012C6:A1B3 06 00000000:00000000 00:00000000 00000000     0        0 0 1
            # tcp6
              sl  local_address                         remote_address                        st tx_queue
               0: 00000000000000000000000000000000:EE4A 00000000000000000000000000000000:0000 0A 00000000:00000000
            # udp
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref
             101: 00000000:EE48 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2001 2
             102: 010113C6:8AE1 0A0113C6:14E9 01 00000000:00000000 00:00000000 00000000     0        0 2002 2
            # udp6
            """;

    @Test
    void listeningTcpIsStateListenOnlyAcrossBothFamilies() {
        List<ProcNetTable.Entry> entries = ProcNetTable.parse(DUMP);
        assertEquals(7, entries.size());
        // 0x23DC = 9180, 0xEE48 = 61000, 0xEE4A = 61002; 61001 is only TIME_WAIT, not listening.
        assertEquals(Set.of(9180, 61000, 61002), ProcNetTable.listeningTcpPorts(entries));
    }

    @Test
    void boundUdpIsEverySocketConnectedOrNot() {
        // 0x8AE1 = 35553: a connected upstream socket of a UDP session.
        assertEquals(Set.of(61000, 35553), ProcNetTable.boundUdpPorts(ProcNetTable.parse(DUMP)));
    }

    @Test
    void aLineWithoutItsFieldsIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcNetTable.parse("# tcp\n 0: 0B0012C6:23DC\n"));
        assertEquals("/proc/net/tcp line: 0: 0B0012C6:23DC (expected: sl local_address rem_address st ...)",
                e.getMessage());
    }
}
