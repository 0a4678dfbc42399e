package dev.portlocal.kubernetes;

import dev.portlocal.kubernetes.PortPins.PodPort;
import dev.portlocal.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PortPinsTest {

    @Test
    void readsPinsWithTcpByDefault() {
        PortPins.Parsed parsed = PortPins.parse(" 8080=61500, 53/udp=61053 ,53/TCP=61054,");
        assertEquals(Map.of(new PodPort(8080, Protocol.TCP), 61500, new PodPort(53, Protocol.UDP), 61053,
                new PodPort(53, Protocol.TCP), 61054), parsed.pins());
        assertEquals(List.of(), parsed.problems());
        assertEquals(Map.of(), PortPins.parse(null).pins());
    }

    @Test
    void badItemsAreReportedAndTheRestKept() {
        PortPins.Parsed parsed = PortPins.parse("8080, 80=70000, x=1, 81/sctp=61000, 82=61001, 82=61002");
        assertEquals(Map.of(new PodPort(82, Protocol.TCP), 61001), parsed.pins());
        assertEquals(List.of(
                "portlocal.dev/node-ports: 8080 (expected: podPort[/tcp|/udp]=nodePort, e.g. 8080=61500; "
                        + "missing '=')",
                "portlocal.dev/node-ports: 80=70000 (expected: podPort[/tcp|/udp]=nodePort, e.g. 8080=61500; "
                        + "70000 is not in 1-65535)",
                "portlocal.dev/node-ports: x=1 (expected: podPort[/tcp|/udp]=nodePort, e.g. 8080=61500; "
                        + "x is not a port)",
                "portlocal.dev/node-ports: 81/sctp=61000 (expected: podPort[/tcp|/udp]=nodePort, e.g. 8080=61500; "
                        + "protocol: sctp (expected: tcp or udp))",
                "portlocal.dev/node-ports: 82=61002 (expected: podPort[/tcp|/udp]=nodePort, e.g. 8080=61500; "
                        + "82/tcp pinned twice)"), parsed.problems());
    }
}
