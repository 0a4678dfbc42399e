package dev.portlocal.control;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateEntry;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.portlocal.model.Protocol.TCP;
import static dev.portlocal.model.Source.API;
import static dev.portlocal.model.Source.KUBERNETES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness carried through the reconciler, and restore hints (ports read back from elsewhere than the state). */
class MappingServiceHintsTest {

    private static final PortRange RANGE = new PortRange(61000, 61009);

    @TempDir
    Path stateDir;

    private final FakePortOpener opener = new FakePortOpener();
    private MappingService service;

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    private MappingService service() {
        service = new MappingService(RANGE, opener, new StateStore(stateDir));
        service.restore();
        return service;
    }

    private static Endpoint pod(String name, String ip, boolean ready) {
        return new Endpoint(name, List.of(Addresses.parseIp("ip", ip)), List.of(new EndpointPort(8080, TCP)), ready);
    }

    private static MappingKey key(String name) {
        return new MappingKey(name, 8080, TCP, IpFamily.IPv4);
    }

    private static StateEntry hint(String name, int nodePort) {
        return new StateEntry(key(name), KUBERNETES, Addresses.parseIp("ip", "198.18.0.1"), nodePort, false);
    }

    private MappingStatus status(String name) {
        return service.mappings().stream().filter(s -> s.key().equals(key(name))).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping " + name + " in " + service.mappings()));
    }

    private Mapping openMapping(String name) {
        return opener.open.values().stream().filter(m -> m.key().equals(key(name))).findFirst()
                .orElseThrow(() -> new AssertionError("not open: " + name + " in " + opener.openMappings()));
    }

    @Test
    void readinessIsCarriedAndItsChangeKeepsThePort() {
        service();
        service.apply(KUBERNETES, List.of(pod("ns/web", "198.18.0.1", false)));
        MappingStatus before = status("ns/web");
        assertEquals(MappingState.NOT_READY, before.state(), "a not-ready endpoint holds its port, refusing");
        assertTrue(before.holdsPort());
        assertFalse(before.ready());
        assertFalse(openMapping("ns/web").ready(), "the data plane is told the endpoint is not ready");
        opener.callsAndClear();

        ApplyResult result = service.apply(KUBERNETES, List.of(pod("ns/web", "198.18.0.1", true)));

        assertEquals(List.of(key("ns/web")), result.unchanged());
        assertEquals(List.of("retarget 61000 ns/web:8080/tcp -> 198.18.0.1:8080"), opener.callsAndClear());
        assertTrue(status("ns/web").ready());
        assertEquals(MappingState.LISTENING, status("ns/web").state());
        assertTrue(openMapping("ns/web").ready());
        assertEquals(before.nodePort(), status("ns/web").nodePort());
    }

    @Test
    void endpointsOfOtherSourcesAreReady() {
        service();
        service.apply(API, List.of(new Endpoint("api", Addresses.parseIp("ip", "198.18.0.2"),
                List.of(new EndpointPort(8080, TCP)))));
        assertTrue(service.mappings().get(0).ready());
    }

    @Test
    void hintsAreUsedAtTheSourcesNextApply() {
        service();
        assertEquals(2, service.restoreHints(KUBERNETES, List.of(hint("ns/a", 61007), hint("ns/b", 61003))));

        service.apply(KUBERNETES, List.of(pod("ns/c", "198.18.0.3", true), pod("ns/b", "198.18.0.2", true),
                pod("ns/a", "198.18.0.1", true)));

        assertEquals(61007, status("ns/a").nodePort().getAsInt());
        assertEquals(61003, status("ns/b").nodePort().getAsInt());
        assertEquals(61000, status("ns/c").nodePort().getAsInt(), "a new mapping avoids the hinted ports");
    }

    @Test
    void theStateFileWinsOverAHint() throws IOException {
        new StateStore(stateDir).save(List.of(hint("ns/a", 61005)));
        service();

        assertEquals(0, service.restoreHints(KUBERNETES, List.of(hint("ns/a", 61002))));
        service.apply(KUBERNETES, List.of(pod("ns/a", "198.18.0.1", true)));

        assertEquals(61005, status("ns/a").nodePort().getAsInt());
    }

    @Test
    void hintsOutOfRangeOrForATakenPortAreDropped() throws IOException {
        new StateStore(stateDir).save(List.of(hint("ns/restored", 61004)));
        service();
        service.apply(API, List.of(new Endpoint("api", Addresses.parseIp("ip", "198.18.0.9"),
                List.of(new EndpointPort(8080, TCP)))));
        int apiPort = status("api").nodePort().getAsInt();

        int kept = service.restoreHints(KUBERNETES, List.of(
                hint("ns/outside", 60000),
                hint("ns/restored-port", 61004),
                hint("ns/api-port", apiPort),
                hint("ns/first", 61008),
                hint("ns/second", 61008)));

        assertEquals(1, kept, "only ns/first keeps its port");
        service.apply(KUBERNETES, List.of(pod("ns/restored", "198.18.0.1", true),
                pod("ns/outside", "198.18.0.2", true), pod("ns/restored-port", "198.18.0.3", true),
                pod("ns/api-port", "198.18.0.4", true), pod("ns/first", "198.18.0.5", true),
                pod("ns/second", "198.18.0.6", true)));
        assertEquals(61004, status("ns/restored").nodePort().getAsInt());
        assertEquals(61008, status("ns/first").nodePort().getAsInt());
        for (String name : List.of("ns/outside", "ns/restored-port", "ns/api-port", "ns/second")) {
            int port = status(name).nodePort().getAsInt();
            assertTrue(RANGE.contains(port) && port != 61004 && port != 61008 && port != apiPort,
                    name + " got a new port: " + port);
        }
    }

    @Test
    void anUnbindableHintFallsBackToAllocation() {
        service();
        opener.takenByOtherProcess.add(61006);
        service.restoreHints(KUBERNETES, List.of(hint("ns/a", 61006)));

        service.apply(KUBERNETES, List.of(pod("ns/a", "198.18.0.1", true)));

        assertEquals(MappingState.LISTENING, status("ns/a").state());
        assertEquals(61000, status("ns/a").nodePort().getAsInt());
    }

    @Test
    void aHintOfAnotherSourceIsRefused() {
        service();
        StateEntry apiHint = new StateEntry(key("x"), Source.API, Addresses.parseIp("ip", "198.18.0.1"), 61001,
                false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> service.restoreHints(KUBERNETES, List.of(apiHint)));
        assertEquals("hints: source api for x:8080/tcp (expected: kubernetes)", e.getMessage());
    }
}
