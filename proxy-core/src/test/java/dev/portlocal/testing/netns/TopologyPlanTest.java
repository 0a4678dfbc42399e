package dev.portlocal.testing.netns;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopologyPlanTest {

    private static final RunId ID = new RunId(77, 0x00ab);
    private static final Pattern IPV4 = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+(/\\d+)?");

    private static TopologyPlan threeNodes(boolean lbRoutes) {
        return TopologyPlan.builder(ID).node("web-0", "web-1").node("web-2").node().lbRoutesToPods(lbRoutes).build();
    }

    private static List<String> lines(TopologyPlan plan) {
        return plan.setupCommands().stream().map(c -> String.join(" ", c)).toList();
    }

    @Test
    void namesAndAddressesFollowTheLayout() {
        TopologyPlan plan = threeNodes(false);
        assertEquals("plnet-77x00ab-lb", plan.lb().namespace());
        assertEquals("198.18.0.1", plan.lb().address());
        assertEquals("plnet-77x00ab-sw", plan.fabric());
        TopologyPlan.NodePlan n2 = plan.node(2);
        assertEquals("plnet-77x00ab-n2", n2.namespace());
        assertEquals("198.18.0.12", n2.address());
        assertEquals("198.19.2.1", n2.podGateway());
        assertEquals("198.19.2.0/24", n2.podSubnet());
        TopologyPlan.PodPlan web1 = plan.pod("web-1");
        assertEquals(new TopologyPlan.PodPlan("web-1", 1, "plnet-77x00ab-n1-web-1", "198.19.1.11", "pod2"), web1);
        assertTrue(plan.node(3).pods().isEmpty());
        assertEquals(List.of("plnet-77x00ab-n1-web-0", "plnet-77x00ab-n1-web-1", "plnet-77x00ab-n2-web-2",
                "plnet-77x00ab-n1", "plnet-77x00ab-n2", "plnet-77x00ab-n3", "plnet-77x00ab-lb", "plnet-77x00ab-sw"),
                plan.namespaces());
        plan.namespaces().forEach(ns -> assertEquals(ID, RunId.ofNamespace(ns).orElseThrow(), ns));
    }

    @Test
    void everyAddressIsInTheBenchmarkRangeAndNothingRoutesOut() throws UnknownHostException {
        for (boolean lbRoutes : List.of(false, true)) {
            for (String line : lines(threeNodes(lbRoutes))) {
                assertFalse(line.contains("default"), line);
                Matcher m = IPV4.matcher(line);
                while (m.find()) {
                    String address = m.group().replaceAll("/\\d+$", "");
                    byte[] b = InetAddress.getByName(address).getAddress();
                    // 198.18.0.0/15: 198.18.x.x and 198.19.x.x.
                    assertTrue((b[0] & 0xff) == 198 && ((b[1] & 0xff) == 18 || (b[1] & 0xff) == 19), line);
                }
            }
        }
    }

    @Test
    void interfacesAreCreatedInsideTheNamespacesAndFitIfnamsiz() {
        TopologyPlan plan = threeNodes(true);
        for (List<String> cmd : plan.setupCommands()) {
            if (cmd.size() > 2 && cmd.get(1).equals("link") && cmd.get(2).equals("add")) {
                // Both ends of every veth are created directly in our namespaces: none in the host's.
                assertEquals("netns", cmd.get(4), String.join(" ", cmd));
                assertTrue(plan.namespaces().contains(cmd.get(5)), String.join(" ", cmd));
                assertEquals("netns", cmd.get(cmd.size() - 2), String.join(" ", cmd));
                assertTrue(plan.namespaces().contains(cmd.get(cmd.size() - 1)), String.join(" ", cmd));
                assertTrue(cmd.get(3).length() <= 15 && cmd.get(cmd.size() - 3).length() <= 15);
            } else if (cmd.get(1).equals("-n")) {
                assertTrue(plan.namespaces().contains(cmd.get(2)), String.join(" ", cmd));
            }
        }
    }

    @Test
    void podsRouteOnlyToTheFabricViaTheirNodeAndTheNodeForwards() {
        List<String> lines = lines(threeNodes(false));
        String pod = "ip -n plnet-77x00ab-n1-web-1 ";
        assertTrue(lines.contains(pod + "addr add 198.19.1.11/32 dev eth0"));
        assertTrue(lines.contains(pod + "route add 198.19.1.1/32 dev eth0 scope link"));
        assertTrue(lines.contains(pod + "route add 198.18.0.0/24 via 198.19.1.1 dev eth0"));
        assertTrue(lines.contains("ip -n plnet-77x00ab-n1 route add 198.19.1.11/32 dev pod2 scope link"));
        assertTrue(lines.contains("ip netns exec plnet-77x00ab-n1 sh -c echo 1 > /proc/sys/net/ipv4/ip_forward"));
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("ip -n plnet-77x00ab-lb route")),
                "lb has no route to pods unless asked");
        List<String> routed = lines(threeNodes(true));
        assertTrue(routed.contains("ip -n plnet-77x00ab-lb route add 198.19.2.0/24 via 198.18.0.12 dev eth0"));
    }

    @Test
    void namespacesAreAddedBeforeUseAndTheTeardownRemovesEachOnce() {
        TopologyPlan plan = threeNodes(true);
        Set<String> added = new HashSet<>();
        for (List<String> cmd : plan.setupCommands()) {
            if (cmd.get(1).equals("netns") && cmd.get(2).equals("add")) {
                added.add(cmd.get(3));
            } else {
                cmd.stream().filter(plan.namespaces()::contains)
                        .forEach(ns -> assertTrue(added.contains(ns), ns + " used before it was added"));
            }
        }
        assertEquals(Set.copyOf(plan.namespaces()), added);
        String script = plan.teardownScript();
        for (String ns : plan.namespaces()) {
            assertEquals(1, script.split("ip netns del " + ns + " ", -1).length - 1, ns);
            assertTrue(script.contains("$(ip netns pids " + ns + " 2>/dev/null)"), ns);
        }
    }

    @Test
    void theApiServerHostIsOnTheBridgeOnlyWhenAskedFor() {
        assertEquals(java.util.Optional.empty(), threeNodes(false).apiServer());
        TopologyPlan plan = TopologyPlan.builder(ID).node("web-0").apiServerHost(true).build();
        assertEquals(new TopologyPlan.Host("plnet-77x00ab-api", "198.18.0.2"), plan.apiServer().orElseThrow());
        assertEquals(List.of("plnet-77x00ab-n1-web-0", "plnet-77x00ab-n1", "plnet-77x00ab-lb", "plnet-77x00ab-api",
                "plnet-77x00ab-sw"), plan.namespaces());
        List<String> lines = lines(plan);
        assertTrue(lines.contains("ip link add eth0 netns plnet-77x00ab-api type veth peer name api netns "
                + "plnet-77x00ab-sw"), lines.toString());
        assertTrue(lines.contains("ip -n plnet-77x00ab-sw link set api master br0"));
        assertTrue(lines.contains("ip -n plnet-77x00ab-api addr add 198.18.0.2/24 dev eth0"));
        assertTrue(plan.teardownScript().contains("ip netns del plnet-77x00ab-api "));
    }

    @Test
    void badPlansAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopologyPlan.builder(ID).node("Web_0"));
        assertTrue(e.getMessage().startsWith("pod name: Web_0 (expected:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TopologyPlan.builder(ID).node("a").node("a").build());
        assertEquals("pod name: a (expected: unique in the topology)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TopologyPlan.builder(ID).build());
        assertEquals("nodes: 0 (expected: 1-200)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> threeNodes(false).node(4));
        assertEquals("node: 4 (expected: 1-3)", e.getMessage());
    }
}
