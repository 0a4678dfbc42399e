package dev.portlocal.control;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.Source;
import dev.portlocal.model.TargetPolicy;
import dev.portlocal.state.StateEntry;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.portlocal.model.Protocol.TCP;
import static dev.portlocal.model.Protocol.UDP;
import static dev.portlocal.model.Source.API;
import static dev.portlocal.model.Source.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappingServiceTest {

    private static final PortRange RANGE = new PortRange(61000, 61009);

    @TempDir
    Path stateDir;

    private final FakePortOpener opener = new FakePortOpener();
    private MappingService service;

    private MappingService service(PortRange range) {
        service = new MappingService(range, opener, new StateStore(stateDir), HostPorts.none());
        return service;
    }

    @AfterEach
    void closeService() {
        if (service != null) {
            service.close();
        }
    }

    private static Endpoint endpoint(String name, String ip, EndpointPort... ports) {
        return new Endpoint(name, Addresses.parseIp("ip", ip), Arrays.asList(ports));
    }

    private static EndpointPort tcp(int port) {
        return new EndpointPort(port, TCP);
    }

    private static EndpointPort pinned(int port, int nodePort) {
        return EndpointPort.pinned(port, TCP, nodePort);
    }

    private static MappingKey key(String endpoint, int port) {
        return new MappingKey(endpoint, port, TCP, IpFamily.IPv4);
    }

    private MappingStatus status(MappingKey key) {
        return service.mappings().stream().filter(s -> s.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping " + key + " in " + service.mappings()));
    }

    private int nodePort(MappingKey key) {
        MappingStatus status = status(key);
        assertEquals(MappingState.LISTENING, status.state(), status.toString());
        return status.nodePort().getAsInt();
    }

    @Test
    void decideRefusesEachKindBeforeTouchingAnything() {
        service(RANGE);
        opener.probes = true;
        service.apply(FILE, List.of(endpoint("from-file", "10.0.0.9", pinned(80, 61000))));
        service.put(API, endpoint("api", "10.0.0.8", tcp(80), tcp(81), tcp(82), tcp(83), tcp(84), tcp(85)));
        opener.takenByOtherProcess.add(61008);
        opener.failing.put(61009, "Permission denied");
        opener.callsAndClear();

        Map<FailureKind, Endpoint> refused = Map.of(
                FailureKind.OWNED_BY_OTHER_SOURCE, endpoint("from-file", "10.0.0.1", tcp(80)),
                FailureKind.PIN_HELD, endpoint("web", "10.0.0.1", tcp(80), pinned(81, 61000)),
                FailureKind.PIN_OUT_OF_RANGE, endpoint("web", "10.0.0.1", pinned(80, 62000)),
                FailureKind.PIN_IN_USE, endpoint("web", "10.0.0.1", pinned(80, 61008)),
                FailureKind.BIND_FAILED, endpoint("web", "10.0.0.1", pinned(80, 61009)),
                FailureKind.NO_FREE_PORT, endpoint("web", "10.0.0.1", tcp(80), tcp(81), tcp(82), tcp(83)));
        String before = service.mappings().toString();
        for (Map.Entry<FailureKind, Endpoint> entry : refused.entrySet()) {
            Optional<Refusal> refusal = service.put(API, entry.getValue());
            assertEquals(entry.getKey(), refusal.orElseThrow().kind(), refusal.toString());
            assertEquals(entry.getKey() == FailureKind.OWNED_BY_OTHER_SOURCE, refusal.get().key().isEmpty());
            assertEquals(refusal, service.decide(API, entry.getValue()), "decide answers what put refuses with");
        }
        assertTrue(opener.callsAndClear().stream().allMatch(call -> call.startsWith("probe ")),
                "only probes: nothing opened, closed or retargeted");
        assertEquals(before, service.mappings().toString());
        assertEquals(Optional.empty(), service.decide(API, endpoint("web", "10.0.0.1", tcp(80), tcp(81),
                tcp(82))), "three ports are left, 61007-61009, as the allocator counts them");
    }

    @Test
    void putReplacesOneEndpointAndKeepsTheSourcesOthers() {
        service(RANGE);
        service.put(API, endpoint("a", "10.0.0.1", tcp(80)));
        service.put(API, endpoint("b", "10.0.0.2", tcp(80)));
        opener.callsAndClear();

        assertEquals(Optional.empty(), service.put(API, endpoint("a", "10.0.0.3", tcp(80), tcp(81))));

        assertEquals(List.of("open 61002 a:81/tcp -> 10.0.0.3:81", "retarget 61000 a:80/tcp -> 10.0.0.3:80"),
                opener.callsAndClear(), "the new port first; b untouched");
        assertEquals(List.of("61000 a:80/tcp -> 10.0.0.3:80", "61001 b:80/tcp -> 10.0.0.2:80",
                "61002 a:81/tcp -> 10.0.0.3:81"), opener.openMappings());
    }

    @Test
    void aRefusedPutCountsAsAnAllocationFailureOfItsKind() {
        service(RANGE);
        service.put(API, endpoint("a", "10.0.0.1", pinned(80, 61000)));
        long before = service.allocationFailures().snapshot().get(AllocationFailures.PINNED_CONFLICT);

        service.put(API, endpoint("b", "10.0.0.2", pinned(80, 61000)));

        assertEquals(before + 1, service.allocationFailures().snapshot().get(AllocationFailures.PINNED_CONFLICT));
    }

    @Test
    void addsRemovesAndLeavesUnchangedMappingsAlone() {
        service(RANGE);
        ApplyResult first = service.apply(FILE, List.of(endpoint("shop/web", "10.0.0.1", tcp(80), tcp(81))));

        assertEquals(List.of(key("shop/web", 80), key("shop/web", 81)), first.added());
        assertTrue(first.ok());
        assertEquals(List.of("open 61000 shop/web:80/tcp -> 10.0.0.1:80", "open 61001 shop/web:81/tcp -> 10.0.0.1:81"),
                opener.callsAndClear());

        ApplyResult second = service.apply(FILE, List.of(
                endpoint("shop/web", "10.0.0.1", tcp(80)),
                endpoint("shop/db", "10.0.0.2", tcp(5432))));

        assertEquals(List.of(key("shop/db", 5432)), second.added());
        assertEquals(List.of(key("shop/web", 81)), second.removed());
        assertEquals(List.of(key("shop/web", 80)), second.unchanged());
        assertEquals(List.of(), second.retargeted());
        assertEquals(List.of("close 61001 shop/web:81/tcp", "open 61002 shop/db:5432/tcp -> 10.0.0.2:5432"),
                opener.callsAndClear(), "the freed port 61001 is not reused at once; web:80 is untouched");
        assertEquals(List.of("61000 shop/web:80/tcp -> 10.0.0.1:80", "61002 shop/db:5432/tcp -> 10.0.0.2:5432"),
                opener.openMappings());

        ApplyResult same = service.apply(FILE, List.of(
                endpoint("shop/web", "10.0.0.1", tcp(80)),
                endpoint("shop/db", "10.0.0.2", tcp(5432))));
        assertEquals(List.of(), opener.calls, "re-applying the same state touches nothing");
        assertEquals(2, same.unchanged().size());
        assertEquals(List.of(), same.added());
    }

    @Test
    void mappingsAreSortedAndDescribeTheirState() {
        service(RANGE);
        service.apply(FILE, List.of(
                endpoint("b", "10.0.0.2", new EndpointPort(53, UDP), tcp(53), tcp(8080)),
                endpoint("a", "10.0.0.1", tcp(9000))));

        List<String> order = new ArrayList<>();
        for (MappingStatus status : service.mappings()) {
            order.add(status.key().toString());
        }
        assertEquals(List.of("a:9000/tcp", "b:53/tcp", "b:53/udp", "b:8080/tcp"), order);
        MappingStatus a = status(key("a", 9000));
        assertEquals(FILE, a.source());
        assertEquals(new InetSocketAddress(Addresses.parseIp("ip", "10.0.0.1"), 9000), a.target());
        assertEquals("", a.message());
        assertEquals(RANGE, service.range());
    }

    @Test
    void ipChangeKeepsTheNodePortAndRetargets() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("shop/web", "10.0.0.1", tcp(80))));
        int before = nodePort(key("shop/web", 80));
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE, List.of(endpoint("shop/web", "10.0.0.9", tcp(80))));

        assertEquals(List.of(key("shop/web", 80)), result.retargeted());
        assertEquals(List.of(), result.added());
        assertEquals(List.of(), result.removed());
        assertEquals(List.of("retarget 61000 shop/web:80/tcp -> 10.0.0.9:80"), opener.calls);
        assertEquals(before, nodePort(key("shop/web", 80)));
        assertEquals("10.0.0.9", Addresses.format(status(key("shop/web", 80)).target().getAddress()));
    }

    @Test
    void aNewUdpIdleTimeoutIsAppliedLikeANewTargetKeepingTheNodePort() {
        service(RANGE);
        EndpointPort dns = new EndpointPort(53, Protocol.UDP, OptionalInt.empty());
        EndpointPort dnsQuick = new EndpointPort(53, Protocol.UDP, OptionalInt.empty(),
                Optional.of(Duration.ofSeconds(5)));
        service.apply(FILE, List.of(new Endpoint("kube/dns", Addresses.parseIp("ip", "10.0.0.1"), List.of(dns))));
        MappingKey key = new MappingKey("kube/dns", 53, Protocol.UDP, IpFamily.IPv4);
        int before = nodePort(key);
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE,
                List.of(new Endpoint("kube/dns", Addresses.parseIp("ip", "10.0.0.1"), List.of(dnsQuick))));

        assertEquals(List.of(key), result.retargeted());
        assertEquals(List.of("retarget " + before + " kube/dns:53/udp -> 10.0.0.1:53"), opener.calls);
        assertEquals(Optional.of(Duration.ofSeconds(5)), opener.open.values().iterator().next().idleTimeout(),
                "the data plane got the mapping's own idle timeout");
    }

    @Test
    void aNewProxyProtocolIsAppliedLikeANewTargetKeepingTheNodePortAndIsKeptInTheState() {
        service(RANGE);
        EndpointPort plain = tcp(80);
        EndpointPort v2 = EndpointPort.builder().port(80).proxyProtocol(ProxyProtocol.V2).build();
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", plain)));
        int before = nodePort(key("web", 80));
        assertEquals(Optional.empty(), opener.open.values().iterator().next().proxyProtocol());
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", v2)));

        assertEquals(List.of(key("web", 80)), result.retargeted());
        assertEquals(List.of("retarget " + before + " web:80/tcp -> 10.0.0.1:80"), opener.calls);
        assertEquals(Optional.of(ProxyProtocol.V2), opener.open.values().iterator().next().proxyProtocol(),
                "the data plane got the mapping's PROXY protocol version");
        assertEquals(Optional.of(ProxyProtocol.V2),
                new StateStore(stateDir).load().get(key("web", 80)).proxyProtocol());

        opener.callsAndClear();
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", v2)));
        assertEquals(List.of(), opener.calls, "the same version again changes nothing");
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", plain)));
        assertEquals(List.of("retarget " + before + " web:80/tcp -> 10.0.0.1:80"), opener.calls);
        assertEquals(Optional.empty(), opener.open.values().iterator().next().proxyProtocol());
    }

    @Test
    void aNewPortPolicyIsAppliedLikeANewTargetKeepingTheNodePortAndIsKeptInTheState() {
        service(RANGE);
        EndpointPort plain = tcp(80);
        EndpointPort capped = EndpointPort.builder().port(80).maxConnections(3)
                .allowFrom(List.of(Cidr.parse("allowFrom", "10.1.0.0/16"))).connectTimeout(Duration.ofSeconds(2))
                .idleTimeout(Duration.ofMinutes(5)).accessLog(true).build();
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", plain)));
        int before = nodePort(key("web", 80));
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", capped)));

        assertEquals(List.of(key("web", 80)), result.retargeted());
        assertEquals(List.of("retarget " + before + " web:80/tcp -> 10.0.0.1:80"), opener.calls);
        Mapping open = opener.open.values().iterator().next();
        assertEquals(capped.policy(), open.policy(), "the data plane got the port's policy");
        assertEquals(Optional.of(Duration.ofMinutes(5)), open.idleTimeout());
        assertEquals(capped.policy(), new StateStore(stateDir).load().get(key("web", 80)).policy());
        MappingStatus status = service.mappings().get(0);
        assertEquals(capped.policy(), status.policy(), "what GET shows");

        opener.callsAndClear();
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", capped)));
        assertEquals(List.of(), opener.calls, "the same policy again changes nothing");
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", plain)));
        assertEquals(List.of("retarget " + before + " web:80/tcp -> 10.0.0.1:80"), opener.calls);
        assertEquals(PortPolicy.NONE, opener.open.values().iterator().next().policy());
    }

    @Test
    void pinnedPortTakenByAnotherProcessConflictsForThatMappingOnly() {
        service(RANGE);
        opener.takenByOtherProcess.add(61005);

        ApplyResult result = service.apply(FILE, List.of(
                endpoint("pinned", "10.0.0.1", pinned(80, 61005)),
                endpoint("other", "10.0.0.2", tcp(80))));

        assertEquals(List.of(new ApplyResult.Failure(key("pinned", 80), MappingState.CONFLICT,
                "nodePort 61005 is in use by another process")), result.failed());
        assertEquals(List.of(key("other", 80)), result.added());
        MappingStatus conflict = status(key("pinned", 80));
        assertEquals(MappingState.CONFLICT, conflict.state());
        assertEquals(OptionalInt.of(61005), conflict.nodePort(), "a conflict shows the pinned port");
        assertEquals("nodePort 61005 is in use by another process", conflict.message());
        assertEquals(61000, nodePort(key("other", 80)));
    }

    @Test
    void pinnedPortHeldByAnotherMappingConflictsUntilThatMappingGoes() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("auto", "10.0.0.1", tcp(80))));
        assertEquals(61000, nodePort(key("auto", 80)));

        ApplyResult conflict = service.apply(FILE, List.of(
                endpoint("auto", "10.0.0.1", tcp(80)),
                endpoint("pinned", "10.0.0.2", pinned(80, 61000))));
        assertEquals(List.of(new ApplyResult.Failure(key("pinned", 80), MappingState.CONFLICT,
                "nodePort 61000 is held by mapping auto:80/tcp")), conflict.failed());
        assertEquals(61000, nodePort(key("auto", 80)), "the holder keeps its port");

        opener.callsAndClear();
        ApplyResult freed = service.apply(FILE, List.of(endpoint("pinned", "10.0.0.2", pinned(80, 61000))));

        assertEquals(List.of(key("auto", 80)), freed.removed());
        assertEquals(List.of(key("pinned", 80)), freed.added(), "the freed pinned port is taken in the same apply");
        assertEquals(List.of("close 61000 auto:80/tcp", "open 61000 pinned:80/tcp -> 10.0.0.2:80"), opener.calls);
    }

    @Test
    void removalsComeBeforePinnedAdditionsInOneApply() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("old", "10.0.0.1", pinned(80, 61003))));
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE, List.of(endpoint("new", "10.0.0.2", pinned(80, 61003))));

        assertTrue(result.ok(), result.toString());
        assertEquals(61003, nodePort(key("new", 80)));
        assertEquals(List.of("close 61003 old:80/tcp", "open 61003 new:80/tcp -> 10.0.0.2:80"), opener.calls);
    }

    @Test
    void pinnedPortsAreNeverHandedOutAutomatically() {
        service(new PortRange(61000, 61002));
        opener.takenByOtherProcess.add(61001);

        ApplyResult result = service.apply(FILE, List.of(
                endpoint("a-pinned", "10.0.0.1", pinned(80, 61001)),
                endpoint("b", "10.0.0.2", tcp(80)),
                endpoint("c", "10.0.0.3", tcp(80)),
                endpoint("d", "10.0.0.4", tcp(80))));

        assertEquals(MappingState.CONFLICT, status(key("a-pinned", 80)).state());
        assertEquals(61000, nodePort(key("b", 80)));
        assertEquals(61002, nodePort(key("c", 80)));
        assertEquals(new ApplyResult.Failure(key("d", 80), MappingState.ERROR, "no free port in 61000-61002"),
                result.failed().get(1));
        assertEquals(0, service.freePorts(TCP, IpFamily.IPv4));
        assertTrue(opener.calls.stream().noneMatch(c -> c.startsWith("open 61001 b") || c.startsWith("open 61001 c")),
                opener.calls.toString());
    }

    @Test
    void fullRangeIsAnErrorForTheMappingsThatDoNotFitOnly() {
        service(new PortRange(61000, 61001));

        ApplyResult result = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80), tcp(81), tcp(82))));

        assertEquals(List.of(key("web", 80), key("web", 81)), result.added());
        assertEquals(List.of(new ApplyResult.Failure(key("web", 82), MappingState.ERROR,
                "no free port in 61000-61001")), result.failed());
        MappingStatus error = status(key("web", 82));
        assertEquals(MappingState.ERROR, error.state());
        assertEquals(OptionalInt.empty(), error.nodePort());
        assertEquals(0, service.freePorts(TCP, IpFamily.IPv4));
        assertEquals(2, service.freePorts(UDP, IpFamily.IPv4), "UDP is a separate space");
    }

    @Test
    void portsHeldByOtherProcessesAreSkipped() {
        service(RANGE);
        opener.takenByOtherProcess.addAll(List.of(61000, 61001));

        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));

        assertEquals(61002, nodePort(key("web", 80)));
        assertEquals(List.of("open 61000 web:80/tcp -> 10.0.0.1:80", "open 61001 web:80/tcp -> 10.0.0.1:80",
                "open 61002 web:80/tcp -> 10.0.0.1:80"), opener.calls);
    }

    @Test
    void bindFailureStopsTheSearchAndIsAnError() {
        service(RANGE);
        opener.failing.put(61000, "Permission denied");

        ApplyResult result = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));

        assertEquals(List.of(new ApplyResult.Failure(key("web", 80), MappingState.ERROR,
                "nodePort 61000 could not be bound: Permission denied")), result.failed());
        assertEquals(1, opener.calls.size(), "no further ports tried after a hard failure: " + opener.calls);
    }

    @Test
    void openerThatThrowsIsAnErrorNotACrash() {
        service(RANGE);
        opener.throwOnOpen = new IllegalStateException("event loop shut down");

        ApplyResult result = service.apply(FILE, List.of(
                endpoint("web", "10.0.0.1", pinned(80, 61004)),
                endpoint("db", "10.0.0.2", tcp(80))));

        assertEquals(2, result.failed().size());
        assertTrue(status(key("web", 80)).message().contains("event loop shut down"), service.mappings().toString());
        assertEquals(10, service.freePorts(TCP, IpFamily.IPv4) + 1, "the pin stays reserved, nothing is held");
    }

    @Test
    void pinnedOutsideTheRangeIsAnError() {
        service(RANGE);
        ApplyResult result = service.apply(API, List.of(endpoint("web", "10.0.0.1", pinned(80, 62000))));
        assertEquals(List.of(new ApplyResult.Failure(key("web", 80), MappingState.ERROR,
                "nodePort 62000 is outside the port range 61000-61009")), result.failed());
        assertEquals(List.of(), opener.calls);
    }

    @Test
    void changingThePinClosesTheOldPortAndOpensTheNewOne() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", pinned(80, 61003))));
        opener.callsAndClear();

        ApplyResult result = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", pinned(80, 61007))));

        assertEquals(List.of(key("web", 80)), result.added());
        assertEquals(List.of("close 61003 web:80/tcp", "open 61007 web:80/tcp -> 10.0.0.1:80"), opener.calls);
        assertEquals(61007, nodePort(key("web", 80)));

        opener.callsAndClear();
        ApplyResult unpinned = service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));
        assertEquals(List.of(key("web", 80)), unpinned.unchanged(), "dropping the pin keeps the port");
        assertEquals(List.of(), opener.calls);
        assertEquals(61007, nodePort(key("web", 80)));
    }

    @Test
    void retryFailedRecoversOncePortsFree() {
        service(new PortRange(61000, 61001));
        opener.takenByOtherProcess.addAll(List.of(61000, 61001));
        service.apply(FILE, List.of(
                endpoint("pinned", "10.0.0.1", pinned(80, 61001)),
                endpoint("auto", "10.0.0.2", tcp(80))));
        assertEquals(MappingState.CONFLICT, status(key("pinned", 80)).state());
        assertEquals("no free port in 61000-61001", status(key("auto", 80)).message());

        service.retryFailed();
        assertEquals(MappingState.CONFLICT, status(key("pinned", 80)).state(), "still taken: still failing");

        opener.takenByOtherProcess.clear();
        service.retryFailed();

        assertEquals(61001, nodePort(key("pinned", 80)));
        assertEquals(61000, nodePort(key("auto", 80)));
        assertEquals(Map.of(key("pinned", 80), 61001, key("auto", 80), 61000), savedPorts());
    }

    @Test
    void restoreGivesTheSamePortsBack() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("a", "10.0.0.1", tcp(80))));
        service.apply(FILE, List.of(endpoint("a", "10.0.0.1", tcp(80)), endpoint("b", "10.0.0.2", tcp(80))));
        service.apply(FILE, List.of(endpoint("b", "10.0.0.2", tcp(80)), endpoint("c", "10.0.0.3", tcp(80))));
        assertEquals(Map.of(key("b", 80), 61001, key("c", 80), 61002), savedPorts());
        service.close();
        assertEquals(List.of(), opener.openMappings(), "close() closes every mapping");

        MappingService restarted = service(RANGE);
        restarted.restore();
        ApplyResult result = restarted.apply(FILE, List.of(
                endpoint("d", "10.0.0.4", tcp(80)),
                endpoint("c", "10.0.0.3", tcp(80)),
                endpoint("b", "10.0.0.2", tcp(80))));

        assertTrue(result.ok(), result.toString());
        assertEquals(61001, nodePort(key("b", 80)));
        assertEquals(61002, nodePort(key("c", 80)));
        assertEquals(61000, nodePort(key("d", 80)), "a new mapping avoids the restored ports");
    }

    @Test
    void invalidOrOutOfRangeStateEntriesAreDropped() throws IOException {
        new StateStore(stateDir).save(List.of(
                entry("outside", 60000, FILE),
                entry("dup-first", 61004, FILE),
                entry("dup-second", 61004, FILE),
                entry("kept", 61007, FILE)));
        MappingService restarted = service(RANGE);
        restarted.restore();

        restarted.apply(FILE, List.of(
                endpoint("outside", "10.0.0.1", tcp(80)),
                endpoint("dup-first", "10.0.0.1", tcp(80)),
                endpoint("dup-second", "10.0.0.1", tcp(80)),
                endpoint("kept", "10.0.0.1", tcp(80))));

        assertEquals(61007, nodePort(key("kept", 80)));
        assertEquals(61004, nodePort(key("dup-first", 80)));
        assertEquals(61000, nodePort(key("dup-second", 80)), "the repeated port was dropped: a new one");
        assertEquals(61001, nodePort(key("outside", 80)), "the out-of-range port was dropped: a new one");
    }

    @Test
    void corruptStateFileStartsFromNothing() throws IOException {
        Files.writeString(stateDir.resolve("state.json"), "{broken");
        MappingService restarted = service(RANGE);
        restarted.restore();

        assertTrue(restarted.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80)))).ok());
        assertEquals(61000, nodePort(key("web", 80)));
    }

    @Test
    void restoredPortTakenMeanwhileFallsBackToAllocation() throws IOException {
        new StateStore(stateDir).save(List.of(entry("web", 61005, FILE)));
        opener.takenByOtherProcess.add(61005);
        MappingService restarted = service(RANGE);
        restarted.restore();

        restarted.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));

        assertEquals(61000, nodePort(new MappingKey("web", 80, TCP, IpFamily.IPv4)));
    }

    @Test
    void restoredPortsOfASourceThatHasNotAppliedYetAreKept() throws IOException {
        new StateStore(stateDir).save(List.of(entry("from-api", 61000, API)));
        MappingService restarted = service(RANGE);
        restarted.restore();

        restarted.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));

        assertEquals(61001, nodePort(key("web", 80)), "61000 stays for the API's endpoint");
        assertEquals(Map.of(key("from-api", 80), 61000, key("web", 80), 61001), savedPorts());

        restarted.apply(API, List.of());
        assertEquals(Map.of(key("web", 80), 61001), savedPorts(), "the API declared it no longer wants it");
    }

    @Test
    void savesOnlyWhenAssignmentsChange() throws IOException {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));
        Path file = stateDir.resolve("state.json");
        assertTrue(Files.exists(file));
        Files.delete(file);

        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));
        assertFalse(Files.exists(file), "nothing changed, nothing written");

        service.apply(FILE, List.of(endpoint("web", "10.0.0.2", tcp(80))));
        assertTrue(Files.exists(file), "a new target is saved");
        StateEntry saved = new StateStore(stateDir).load().get(key("web", 80));
        assertEquals("10.0.0.2", Addresses.format(saved.ip()));
        assertEquals(FILE, saved.source());
        assertFalse(saved.pinned());
    }

    @Test
    void anEndpointNameOwnedByAnotherSourceIsRefused() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));

        ApplyResult refused = service.apply(API, List.of(
                endpoint("web", "10.0.0.9", tcp(80), tcp(81)),
                endpoint("api-only", "10.0.0.5", tcp(80))));

        assertEquals(List.of(
                new ApplyResult.Failure(key("web", 80), MappingState.ERROR, "endpoint web is owned by source file"),
                new ApplyResult.Failure(key("web", 81), MappingState.ERROR, "endpoint web is owned by source file")),
                refused.failed());
        assertEquals(List.of(key("api-only", 80)), refused.added());
        assertEquals(FILE, status(key("web", 80)).source());
        assertEquals("10.0.0.1", Addresses.format(status(key("web", 80)).target().getAddress()));
        assertEquals(2, service.mappings().size());

        opener.callsAndClear();
        ApplyResult handOver = service.apply(FILE, List.of());

        assertEquals(API, status(key("web", 80)).source(), "the API's waiting endpoint takes over");
        assertEquals(61000, nodePort(key("web", 80)), "without losing the node port");
        assertEquals(List.of(key("web", 80)), handOver.retargeted());
        assertEquals(List.of(key("web", 81)), handOver.added());
        assertEquals(List.of("retarget 61000 web:80/tcp -> 10.0.0.9:80", "open 61002 web:81/tcp -> 10.0.0.9:81"),
                opener.calls);
    }

    @Test
    void aNameListedTwiceInOneApplyIsRefusedOnce() {
        service(RANGE);
        ApplyResult result = service.apply(API, List.of(
                endpoint("web", "10.0.0.1", tcp(80)),
                endpoint("web", "10.0.0.2", tcp(80))));

        assertEquals(List.of(new ApplyResult.Failure(key("web", 80), MappingState.ERROR,
                "endpoint web is listed twice")), result.failed());
        assertEquals("10.0.0.1", Addresses.format(status(key("web", 80)).target().getAddress()));
    }

    @Test
    void familiesAreSeparateSpacesAndByNodePortFindsEach() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("v4", "10.0.0.1", tcp(80)), endpoint("v6", "fd00::1", tcp(80))));

        MappingKey v6 = new MappingKey("v6", 80, TCP, IpFamily.IPv6);
        assertEquals(61000, nodePort(key("v4", 80)));
        assertEquals(61000, nodePort(v6));
        assertEquals(key("v4", 80), service.byNodePort(61000, TCP).orElseThrow().key());
        assertEquals(v6, service.byNodePort(61000, TCP, IpFamily.IPv6).orElseThrow().key());
        assertTrue(service.byNodePort(61000, UDP).isEmpty());
        assertTrue(service.byNodePort(61001, TCP).isEmpty());
        assertEquals(9, service.freePorts(TCP, IpFamily.IPv6));
    }

    @Test
    void closeClosesEveryOpenMappingAndKeepsTheState() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("a", "10.0.0.1", tcp(80)), endpoint("b", "10.0.0.2", tcp(80))));
        opener.callsAndClear();

        service.close();
        service.close();

        assertEquals(List.of(), opener.openMappings());
        assertEquals(2, opener.calls.size(), opener.calls.toString());
        assertEquals(Map.of(key("a", 80), 61000, key("b", 80), 61001), savedPorts());
        assertThrows(IllegalStateException.class, () -> service.apply(FILE, List.of()));
        assertThrows(IllegalStateException.class, () -> service.retryFailed());
    }

    @Test
    void restoreAfterApplyIsRefused() {
        service(RANGE);
        service.apply(FILE, List.of(endpoint("a", "10.0.0.1", tcp(80))));
        assertThrows(IllegalStateException.class, () -> service.restore());
    }

    @Test
    void restoredEntriesAreListedPerSourceUntilThatSourceApplies() throws IOException {
        StateEntry pinnedApi = new StateEntry(new MappingKey("ns/pinned", 8080, TCP, IpFamily.IPv4), API,
                Addresses.parseIp("ip", "10.0.0.7"), 61003, true);
        new StateStore(stateDir).save(List.of(
                entry("ns/web", 61001, API),
                pinnedApi,
                entry("from-file", 61002, FILE),
                entry("outside", 60000, API)));
        MappingService restarted = service(RANGE);
        restarted.restore();

        assertEquals(List.of(pinnedApi, entry("ns/web", 61001, API)), restarted.restoredEntries(API),
                "sorted by key, out-of-range entries dropped");
        assertEquals(List.of(entry("from-file", 61002, FILE)), restarted.restoredEntries(FILE));

        restarted.apply(FILE, List.of());
        assertEquals(List.of(), restarted.restoredEntries(FILE), "FILE applied: nothing left to restore");
        assertEquals(2, restarted.restoredEntries(API).size(), "the API's entries wait for the API");

        restarted.apply(API, List.of(endpoint("ns/web", "10.0.0.1", tcp(80))));
        assertEquals(List.of(), restarted.restoredEntries(API));
        assertEquals(61001, nodePort(key("ns/web", 80)));
    }

    @Test
    void ownerNamesTheSourceThatHoldsAnEndpoint() {
        service(RANGE);
        assertEquals(Optional.empty(), service.owner("web"));

        service.apply(FILE, List.of(endpoint("web", "10.0.0.1", tcp(80))));
        service.apply(API, List.of(endpoint("web", "10.0.0.2", tcp(80)), endpoint("ns/api", "10.0.0.3", tcp(80))));

        assertEquals(Optional.of(FILE), service.owner("web"), "the first source to declare it keeps it");
        assertEquals(Optional.of(API), service.owner("ns/api"));

        service.apply(FILE, List.of());
        assertEquals(Optional.of(API), service.owner("web"), "the waiting source takes over");
        service.apply(API, List.of());
        assertEquals(Optional.empty(), service.owner("web"));
        assertEquals(Optional.empty(), service.owner("ns/api"));
    }

    private static StateEntry entry(String endpoint, int nodePort, Source source) {
        return new StateEntry(new MappingKey(endpoint, 80, TCP, IpFamily.IPv4), source,
                Addresses.parseIp("ip", "10.0.0.1"), nodePort, false);
    }

    private Map<MappingKey, Integer> savedPorts() {
        Map<MappingKey, Integer> ports = new HashMap<>();
        new StateStore(stateDir).load().forEach((key, entry) -> ports.put(key, entry.nodePort()));
        return ports;
    }

    @Test
    void everySourceIsHeldToTheTargetPolicy() {
        TargetPolicy policy = TargetPolicy.builder().allowedTargets(List.of(Cidr.parse("t", "10.0.0.0/8"))).build();
        service = new MappingService(RANGE, opener, new StateStore(stateDir), HostPorts.none(), policy);
        service.apply(Source.KUBERNETES, List.of(endpoint("ok", "10.0.0.1", tcp(80)),
                endpoint("outside", "192.0.2.1", tcp(80)), endpoint("metadata", "169.254.169.254", tcp(80))));
        assertEquals(List.of("ok"), service.mappings().stream().map(m -> m.key().endpoint()).toList(),
                "refused endpoints are left out");
        Optional<Refusal> refusal = service.put(API, endpoint("api", "192.0.2.1", tcp(80)));
        assertEquals(FailureKind.TARGET_REFUSED, refusal.orElseThrow().kind());
        assertEquals("ip: 192.0.2.1 (expected: inside allowedTargets: 10.0.0.0/8)", refusal.get().message());
        assertEquals(1, opener.open.size(), "nothing opened for the refused endpoints");
    }
}
