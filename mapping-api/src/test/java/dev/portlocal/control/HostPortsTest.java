package dev.portlocal.control;

import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostPortsTest {

    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";
    private static final PortRange RANGE = new PortRange(61000, 61009);

    @TempDir
    Path dir;

    private static BitSet ports(int... offsets) {
        BitSet bits = new BitSet();
        for (int offset : offsets) {
            bits.set(offset);
        }
        return bits;
    }

    @Test
    void readsEachTableIntoItsProtocolAndFamily() throws IOException {
        // 0xEE48 = 61000, 0xEE49 = 61001, ...; state 0A listen, 01 established, 06 time-wait, 07 close (UDP bound)
        Files.writeString(dir.resolve("tcp"), HEADER
                + "   0: 0100007F:EE48 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 1 1\n"
                + "   1: 0100007F:EE49 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 2 1\n"
                + "   2: 0100007F:EE4A 0100007F:1F90 06 00000000:00000000 00:00000000 00000000  1000 0 3 1\n"
                + "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 4 1\n");
        Files.writeString(dir.resolve("tcp6"), HEADER
                + "   0: 00000000000000000000000000000000:EE4B 00000000000000000000000000000000:0000 0A 0 0 0 0 0\n"
                + "   1: 0000000000000000FFFF00000100007F:EE4C 00000000000000000000000000000000:0000 0A 0 0 0 0 0\n");
        Files.writeString(dir.resolve("udp"), HEADER
                + "   5: 00000000:EE4D 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000 0 9 2\n");
        Files.writeString(dir.resolve("udp6"), "garbage header\nnot a line\n   1: zz:zz 0 07\n");

        HostPorts host = new HostPorts(dir, Duration.ofSeconds(2), () -> 0);

        assertEquals(ports(0, 1, 4), host.bound(Protocol.TCP, IpFamily.IPv4, RANGE),
                "listening and established count, time-wait does not, a v4-mapped IPv6 socket is IPv4");
        assertEquals(ports(3), host.bound(Protocol.TCP, IpFamily.IPv6, RANGE));
        assertEquals(ports(5), host.bound(Protocol.UDP, IpFamily.IPv4, RANGE));
        assertEquals(ports(), host.bound(Protocol.UDP, IpFamily.IPv6, RANGE), "malformed lines are skipped");
        assertEquals(ports(), host.bound(Protocol.TCP, IpFamily.IPv4, new PortRange(62000, 62010)));
    }

    @Test
    void aSnapshotIsKeptForItsMaxAgeThenReadAgain() throws IOException {
        Files.writeString(dir.resolve("udp"), HEADER);
        AtomicLong now = new AtomicLong();
        HostPorts host = new HostPorts(dir, Duration.ofSeconds(2), now::get);
        assertEquals(ports(), host.bound(Protocol.UDP, IpFamily.IPv4, RANGE));

        Files.writeString(dir.resolve("udp"), HEADER + "   5: 00000000:EE48 00000000:0000 07 0 0 0 0\n");
        now.set(Duration.ofMillis(1999).toNanos());
        assertEquals(ports(), host.bound(Protocol.UDP, IpFamily.IPv4, RANGE), "still the first read");
        now.set(Duration.ofSeconds(2).toNanos());
        assertEquals(ports(0), host.bound(Protocol.UDP, IpFamily.IPv4, RANGE), "read again once it is old");
    }

    @Test
    void missingTablesAndNoneSeeNothing() {
        assertEquals(ports(), new HostPorts(dir.resolve("absent"), Duration.ZERO, () -> 0)
                .bound(Protocol.TCP, IpFamily.IPv4, RANGE));
        assertEquals(ports(), HostPorts.none().bound(Protocol.TCP, IpFamily.IPv6, RANGE));
    }
}
