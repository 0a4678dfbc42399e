package dev.portlocal.control;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.state.StateEntry;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.portlocal.model.Protocol.TCP;
import static dev.portlocal.model.Protocol.UDP;
import static dev.portlocal.model.Source.API;
import static dev.portlocal.model.Source.KUBERNETES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a health check's result does to a mapping: the port is held, the data plane is told, the state says so. */
class MappingServiceHealthTest {

    private static final PortRange RANGE = new PortRange(61000, 61009);
    private static final MappingKey KEY = new MappingKey("web", 8080, TCP, IpFamily.IPv4);

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

    private static Endpoint web(String ip, Optional<HealthCheck> check, boolean ready) {
        return new Endpoint("web", List.of(Addresses.parseIp("ip", ip)),
                List.of(new EndpointPort(8080, TCP, OptionalInt.empty(), Optional.empty(), check)), ready);
    }

    private MappingStatus status() {
        return service.mappings().stream().filter(s -> s.key().equals(KEY)).findFirst().orElseThrow();
    }

    private Mapping open() {
        return opener.open.values().stream().filter(m -> m.key().equals(KEY)).findFirst().orElseThrow();
    }

    private static InetSocketAddress target(String ip) {
        return new InetSocketAddress(Addresses.parseIp("ip", ip), 8080);
    }

    @Test
    void downHoldsThePortAndTellsTheDataPlaneUpServesAgain() {
        service().apply(KUBERNETES, List.of(web("198.18.0.1", Optional.of(HealthCheck.DEFAULT), true)));
        MappingStatus up = status();
        assertEquals(MappingState.LISTENING, up.state());
        assertEquals(Optional.of(HealthCheck.DEFAULT), up.healthCheck());
        opener.callsAndClear();

        assertTrue(service.health(KEY, target("198.18.0.1"), false));
        assertEquals(MappingState.ENDPOINT_DOWN, status().state());
        assertEquals("endpoint-down", status().state().wireName());
        assertTrue(status().holdsPort());
        assertEquals(up.nodePort(), status().nodePort(), "the port stays");
        assertFalse(open().ready(), "the data plane refuses on it");
        assertEquals(List.of("retarget " + up.nodePort().getAsInt() + " web:8080/tcp -> 198.18.0.1:8080"),
                opener.callsAndClear());
        assertFalse(service.health(KEY, target("198.18.0.1"), false), "the same result changes nothing");
        assertEquals(List.of(), opener.callsAndClear());

        assertTrue(service.health(KEY, target("198.18.0.1"), true));
        assertEquals(MappingState.LISTENING, status().state());
        assertTrue(open().ready());
        assertEquals(2, service.healthTransitions());
    }

    @Test
    void staleOrUncheckedResultsAreIgnored() {
        service().apply(API, List.of(web("198.18.0.1", Optional.empty(), true)));
        assertFalse(service.health(KEY, target("198.18.0.1"), false), "no check: nothing to go down");
        assertEquals(MappingState.LISTENING, status().state());

        service.apply(API, List.of(web("198.18.0.1", Optional.of(HealthCheck.DEFAULT), true)));
        assertFalse(service.health(KEY, target("198.18.0.2"), false), "a result for an old target");
        assertEquals(MappingState.LISTENING, status().state());
    }

    @Test
    void aNewTargetStartsUpAndNotReadyWinsOverDown() {
        service().apply(KUBERNETES, List.of(web("198.18.0.1", Optional.of(HealthCheck.DEFAULT), true)));
        service.health(KEY, target("198.18.0.1"), false);
        service.apply(KUBERNETES, List.of(web("198.18.0.2", Optional.of(HealthCheck.DEFAULT), true)));
        assertEquals(MappingState.LISTENING, status().state(), "a new target is given a fresh start");
        assertTrue(open().ready());

        service.health(KEY, target("198.18.0.2"), false);
        service.apply(KUBERNETES, List.of(web("198.18.0.2", Optional.of(HealthCheck.DEFAULT), false)));
        assertEquals(MappingState.NOT_READY, status().state());
        assertFalse(open().ready());
    }

    @Test
    void theCheckIsKeptInTheStateForApiEndpoints() {
        service().apply(API, List.of(web("198.18.0.1", Optional.of(HealthCheck.DEFAULT), true)));
        service.close();
        service = null;
        StateStore store = new StateStore(stateDir);
        StateEntry entry = store.load().get(KEY);
        assertEquals(Optional.of(HealthCheck.DEFAULT), entry.healthCheck());
    }

    @Test
    void theDaemonsDefaultChecksEveryTcpPortWithoutOneOfItsOwn() {
        HealthCheck fast = new HealthCheck(java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(200), 1, 1);
        service = new MappingService(RANGE, opener, new StateStore(stateDir));
        service.defaultHealthCheck(Optional.of(fast));
        service.restore();
        Endpoint mixed = new Endpoint("web", List.of(Addresses.parseIp("ip", "198.18.0.1")), List.of(
                new EndpointPort(8080, TCP, OptionalInt.empty(), Optional.empty(), Optional.empty()),
                new EndpointPort(8443, TCP, OptionalInt.empty(), Optional.empty(), Optional.of(HealthCheck.DEFAULT)),
                new EndpointPort(5353, UDP, OptionalInt.empty(), Optional.empty(), Optional.empty())), true);
        service.apply(API, List.of(mixed));
        assertEquals(Optional.of(fast), checkOf(8080, TCP), "the default");
        assertEquals(Optional.of(HealthCheck.DEFAULT), checkOf(8443, TCP), "the port's own wins");
        assertEquals(Optional.empty(), checkOf(5353, UDP), "UDP has no connect to probe");
        assertTrue(service.health(KEY, target("198.18.0.1"), false), "the default check's result counts");
        assertEquals(MappingState.ENDPOINT_DOWN, status().state());
        service.close();
        service = null;
        java.util.Map<MappingKey, StateEntry> state = new StateStore(stateDir).load();
        assertEquals(Optional.empty(), state.get(KEY).healthCheck(), "the state keeps the port's own check only");
        assertEquals(Optional.of(HealthCheck.DEFAULT),
                state.get(new MappingKey("web", 8443, TCP, IpFamily.IPv4)).healthCheck());
    }

    private Optional<HealthCheck> checkOf(int port, dev.portlocal.model.Protocol protocol) {
        return service.mappings().stream()
                .filter(s -> s.key().port() == port && s.key().protocol() == protocol)
                .findFirst().orElseThrow().healthCheck();
    }
}
