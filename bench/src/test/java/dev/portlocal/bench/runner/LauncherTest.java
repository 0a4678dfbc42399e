package dev.portlocal.bench.runner;

import dev.portlocal.bench.runner.RunnerOptions.PortlocalMode;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.netns.RunId;
import dev.portlocal.testing.netns.TopologyPlan;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LauncherTest {

    /** Linux's default ephemeral range, from which every client connection takes its local port. */
    private static final PortRange EPHEMERAL = new PortRange(32768, 60999);

    @Test
    void peerPortsAreDistinctAndClearOfPortlocalsRangeAndTheEphemeralRange() {
        PortRange portlocal = PortRange.parse(Launcher.PORTLOCAL_RANGE);
        Set<Integer> ports = new HashSet<>(List.of(Launcher.SINK_PORT, Launcher.SOURCE_PORT, Launcher.HTTP_PORT,
                Launcher.IPERF3_PORT));
        for (int route = 0; route < 3; route++) {
            for (int port : List.of(Launcher.haproxyPort(1, route), Launcher.haproxyPort(2, route),
                    Launcher.nginxPort(route), Launcher.kernelDnatPort(route))) {
                assertTrue(ports.add(port), "port " + port + " used twice");
                assertFalse(portlocal.contains(port), "port " + port + " inside portlocal's range");
                assertFalse(EPHEMERAL.contains(port), "port " + port + " inside the ephemeral range");
                assertTrue(port <= 65535);
            }
        }
        for (int variant = 0; variant < 10; variant++) {
            int api = Launcher.portlocalApiPort(variant);
            assertTrue(ports.add(api), "API port " + api + " used twice");
            assertFalse(portlocal.contains(api) || EPHEMERAL.contains(api), "API port " + api);
        }
        assertEquals(26, ports.size());
        // UDP is its own port space; still keep its ports clear of the TCP ones, portlocal's and the ephemeral range.
        for (int udp : List.of(Launcher.UDP_ECHO_PORT, Launcher.nginxUdpPort(), Launcher.kernelDnatPort(3))) {
            assertTrue(ports.add(udp), "UDP port " + udp + " used twice");
            assertFalse(portlocal.contains(udp) || EPHEMERAL.contains(udp), "UDP port " + udp);
        }
    }

    @Test
    void portlocalTargetsAreNamedByModeOnlyWhenModesWereAsked() {
        RunnerOptions defaults = RunnerOptions.parse(List.of());
        assertEquals("portlocal-t2", Launcher.portlocalName(defaults, RunnerOptions.DEFAULT_MODE, 2));
        RunnerOptions modes = RunnerOptions.parse(List.of("--portlocal-mode", "copy",
                "--portlocal-mode", "splice-always=--splice always"));
        PortlocalMode splice = modes.portlocalModes().get(1);
        assertEquals("portlocal-splice-always-t1", Launcher.portlocalName(modes, splice, 1));
    }

    @Test
    void directIsTheBackendsThemselves() {
        Target direct = Launcher.direct(Placement.loopback());
        assertEquals(List.of(Launcher.SINK_PORT, Launcher.SOURCE_PORT, Launcher.HTTP_PORT),
                direct.addresses().stream().map(a -> a.getPort()).toList());
        assertTrue(direct.process().isEmpty());
        assertTrue(direct.addresses().stream().allMatch(a -> a.getAddress().isLoopbackAddress()));
        assertEquals(Launcher.UDP_ECHO_PORT, direct.udpEcho().orElseThrow().getPort());
    }

    @Test
    void overVethDirectIsThePodAndProxiesListenOnTheNode() {
        TopologyPlan plan = NetnsBench.plan(new RunId(42, 1));
        Placement netns = Placement.netns(plan);
        Target direct = Launcher.direct(netns);
        assertEquals("198.19.1.10", plan.pod(NetnsBench.BACKEND_POD).address());
        assertTrue(direct.addresses().stream().allMatch(a -> a.getHostString().equals("198.19.1.10")));
        assertEquals("198.18.0.11", netns.proxy(1).getHostString());
        assertEquals(List.of("ip", "netns", "exec", "plnet-42x0001-n1", "haproxy"),
                netns.inProxy(List.of("haproxy")));
        assertEquals(List.of("ip", "netns", "exec", "plnet-42x0001-n1-backends", "iperf3"),
                netns.inBackend(List.of("iperf3")));
        assertEquals(List.of("haproxy"), Placement.loopback().inProxy(List.of("haproxy")));
        assertTrue(plan.lbRoutesToPods(), "direct needs lb's route to the pod through the node");
    }
}
