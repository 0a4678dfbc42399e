package dev.portlocal.kubernetes;

import dev.portlocal.api.NodeIps;
import dev.portlocal.kubernetes.PortPins.PodPort;
import dev.portlocal.kubernetes.PortPolicyAnnotation.Memory;
import dev.portlocal.kubernetes.PortPolicyAnnotation.Policy;
import dev.portlocal.kubernetes.Translation.Notice;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortPolicyAnnotationTest {

    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final NodeIps V4 = NodeAddresses.nodeIps(node("n", address("InternalIP", "192.0.2.10")));
    private static final PodPort HTTP = new PodPort(8080, Protocol.TCP);
    private static final PodPort DNS = new PodPort(53, Protocol.UDP);

    private static Service annotated(Service service, String policy) {
        return new ServiceBuilder(service).editMetadata().addToAnnotations(PortPolicyAnnotation.KEY, policy)
                .endMetadata().build();
    }

    private static Pod annotated(Pod pod, String policy) {
        return new PodBuilder(pod).editMetadata().addToAnnotations(PortPolicyAnnotation.KEY, policy).endMetadata()
                .build();
    }

    private static EndpointPort onlyPort(Translation t, int port, Protocol protocol) {
        assertEquals(1, t.endpoints().size(), t.endpoints().toString());
        Endpoint e = t.endpoints().get(0);
        return e.ports().stream().filter(p -> p.port() == port && p.protocol() == protocol).findFirst()
                .orElseThrow(() -> new AssertionError("no " + port + "/" + protocol + " in " + e));
    }

    private static List<Notice> noticesOf(Translation t, String event) {
        return t.notices().stream().filter(n -> n.event().equals(event)).toList();
    }

    @Test
    void yamlAndJsonSayTheSameAndTcpOnlyFieldsForEveryPortSkipUdp() {
        Policy yaml = PortPolicyAnnotation.parse("""
                healthCheck: {interval: 3s, rise: 1}
                proxyProtocol: v2
                allowFrom: [192.0.2.0/24]
                idleTimeout: 5m
                ports:
                  "53/udp": {idleTimeout: 30s}
                """);
        Policy json = PortPolicyAnnotation.parse("{\"healthCheck\": {\"interval\": \"3s\", \"rise\": 1}, "
                + "\"proxyProtocol\": \"v2\", \"allowFrom\": [\"192.0.2.0/24\"], \"idleTimeout\": \"5m\", "
                + "\"ports\": {\"53/udp\": {\"idleTimeout\": \"30s\"}}}");

        assertEquals(List.of(), yaml.problems());
        assertEquals(yaml, json);
        assertEquals(List.of("healthCheck", "proxyProtocol", "allowFrom", "idleTimeout"),
                iterable(yaml.fieldsFor(HTTP).fieldNames()));
        assertEquals(List.of("allowFrom", "idleTimeout"), iterable(yaml.fieldsFor(DNS).fieldNames()),
                "a UDP port takes the fields both protocols have");
        assertEquals("30s", yaml.fieldsFor(DNS).get("idleTimeout").asText(), "the port's own value wins");
    }

    @Test
    void eachProblemNamesTheAnnotationTheFieldAndTheValueAndTheRestApplies() {
        Policy p = PortPolicyAnnotation.parse("""
                healthCheck: {interval: 0s}
                proxyProtocol: v3
                maxConnections: 100
                nodePort: 61500
                ports:
                  "8080": {connectTimeout: 2s, accessLog: yes please}
                  "53/udp": {healthCheck: {}}
                  "http": {idleTimeout: 1m}
                """);

        assertEquals(List.of(
                "portlocal.dev/port-policy: healthCheck.interval: 0s (expected: a duration from 100ms to 1h)",
                "portlocal.dev/port-policy: proxyProtocol: v3 (expected: v1 or v2)",
                "portlocal.dev/port-policy: nodePort: unknown field (expected one of: idleTimeout, healthCheck, "
                        + "proxyProtocol, allowFrom, maxConnections, connectTimeout, accessLog, ports)",
                "portlocal.dev/port-policy: ports.8080.accessLog: \"yes please\" (expected: true or false)",
                "portlocal.dev/port-policy: ports.53/udp.healthCheck: {interval 2s timeout 1s rise 2 fall 2} "
                        + "(expected: only on tcp ports; a udp mapping follows its source's readiness)",
                "portlocal.dev/port-policy: ports.http: http (expected: podPort[/tcp|/udp], e.g. 8080 or 53/udp)"),
                p.problems());
        assertEquals("{\"maxConnections\":100,\"connectTimeout\":\"2s\"}", p.fieldsFor(HTTP).toString());
    }

    @Test
    void valuesThatAreNotAnObjectAreOneProblem() {
        assertEquals(List.of("portlocal.dev/port-policy: [1, 2] (expected: a YAML or JSON object with any of "
                + "idleTimeout, healthCheck, proxyProtocol, allowFrom, maxConnections, connectTimeout, accessLog, "
                + "ports)"), PortPolicyAnnotation.parse("[1, 2]").problems());
        assertTrue(PortPolicyAnnotation.parse("{proxyProtocol: v1").problems().get(0)
                .startsWith("portlocal.dev/port-policy: {proxyProtocol: v1 (expected: a YAML or JSON object"));
        assertTrue(PortPolicyAnnotation.parse("{a: 1, a: 2}").problems().get(0).contains("Duplicate field 'a'"),
                "duplicate keys are an error, not a silent override");
        assertTrue(PortPolicyAnnotation.parse("x".repeat(PortPolicyAnnotation.MAX_BYTES + 1)).problems().get(0)
                .endsWith("(expected: at most 262144)"));
        assertEquals(Policy.NONE, PortPolicyAnnotation.parse("  "));
    }

    @Test
    void aServicesPolicyReachesEveryPodItSelectsAndThePodOverridesPerField() {
        Service svc = annotated(service("shop", "web", WEB, servicePort(80, 8080, "TCP")), """
                proxyProtocol: v1
                allowFrom: [192.0.2.0/24]
                healthCheck: {}
                """);
        Pod plain = pod("shop", "web-1", WEB, "198.18.0.5");
        Pod own = annotated(pod("shop", "web-2", WEB, "198.18.0.6"), """
                proxyProtocol: v2
                ports:
                  "8080": {maxConnections: 10}
                """);

        Translation t1 = NplTranslator.translate(List.of(plain), List.of(svc), V4);
        EndpointPort p1 = onlyPort(t1, 8080, Protocol.TCP);
        assertEquals(Optional.of(ProxyProtocol.V1), p1.proxyProtocol());
        assertEquals(List.of(Cidr.parse("allowFrom", "192.0.2.0/24")), p1.policy().allowFrom());
        assertEquals(Optional.of(HealthCheck.DEFAULT), p1.healthCheck());
        assertEquals(List.of(), t1.notices());

        EndpointPort p2 = onlyPort(NplTranslator.translate(List.of(own), List.of(svc), V4), 8080, Protocol.TCP);
        assertEquals(Optional.of(ProxyProtocol.V2), p2.proxyProtocol(), "the Pod's value over the Service's");
        assertEquals(OptionalInt.of(10), p2.policy().maxConnections());
        assertEquals(List.of(Cidr.parse("allowFrom", "192.0.2.0/24")), p2.policy().allowFrom(),
                "fields the Pod does not set come from the Service");
    }

    @Test
    void aPolicyKeepsThePinAndAppliesOnlyToThePortsItsServiceExposes() {
        Service web = annotated(service("shop", "web", WEB, servicePort(80, 8080, "TCP")), "connectTimeout: 2s");
        Service dns = service("shop", "dns", WEB, servicePort(53, 53, "UDP"));
        Pod p = new PodBuilder(pod("shop", "web-1", WEB, "198.18.0.5")).editMetadata()
                .addToAnnotations(PortPins.KEY, "8080=61500").endMetadata().build();

        Translation t = NplTranslator.translate(List.of(p), List.of(web, dns), V4);
        EndpointPort http = onlyPort(t, 8080, Protocol.TCP);
        assertEquals(OptionalInt.of(61500), http.nodePort());
        assertEquals(Optional.of(Duration.ofSeconds(2)), http.policy().connectTimeout());
        assertEquals(new EndpointPort(53, Protocol.UDP), onlyPort(t, 53, Protocol.UDP),
                "the other Service's port has the daemon's defaults");
    }

    @Test
    void twoServicesThatDisagreeGiveTheFirstByNameAndANotice() {
        Service a = annotated(service("shop", "a", WEB, servicePort(80, 8080, "TCP")), "proxyProtocol: v1");
        Service b = annotated(service("shop", "b", WEB, servicePort(81, 8080, "TCP")),
                "{proxyProtocol: v2, maxConnections: 5}");
        Translation t = NplTranslator.translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")), List.of(b, a),
                V4);

        EndpointPort port = onlyPort(t, 8080, Protocol.TCP);
        assertEquals(Optional.of(ProxyProtocol.V1), port.proxyProtocol());
        assertEquals(OptionalInt.of(5), port.policy().maxConnections(), "fields only one Service sets apply");
        assertEquals(List.of(new Notice("shop/web-1", "policy_conflict", "portlocal.dev/port-policy proxyProtocol "
                + "of port 8080/tcp: Service shop/b says \"v2\", Service shop/a says \"v1\"; shop/a's applies (the "
                + "first by namespace/name; the Pod's annotation decides)")), noticesOf(t, "policy_conflict"));
    }

    @Test
    void aChangeWithAProblemKeepsWhatWasInForceAndAFixReplacesIt() {
        Memory memory = new Memory();
        Service svc = service("shop", "web", WEB, servicePort(80, 8080, "TCP"));
        Pod good = annotated(pod("shop", "web-1", WEB, "198.18.0.5"), "allowFrom: [192.0.2.0/24]");
        Pod typo = annotated(good, "allowFrom: [192.0.2.0/33]");
        Pod fixed = annotated(good, "allowFrom: [198.18.0.0/15]");

        Translation first = NplTranslator.translate(List.of(good), List.of(svc), V4, memory);
        Translation broken = NplTranslator.translate(List.of(typo), List.of(svc), V4, memory);
        assertEquals(onlyPort(first, 8080, Protocol.TCP), onlyPort(broken, 8080, Protocol.TCP),
                "a typo never widens who may connect");
        assertEquals(List.of(new Notice("shop/web-1", "policy_invalid", "portlocal.dev/port-policy: "
                + "allowFrom[0]: 192.0.2.0/33 (expected: an address block such as 10.244.0.0/16 or fd00::/8, a prefix "
                + "length 0-32); the annotation is not applied: the policy in force before this change stays")),
                noticesOf(broken, "policy_invalid"));

        Translation again = NplTranslator.translate(List.of(fixed), List.of(svc), V4, memory);
        assertEquals(List.of(Cidr.parse("allowFrom", "198.18.0.0/15")),
                onlyPort(again, 8080, Protocol.TCP).policy().allowFrom());
        assertEquals(List.of(), again.notices());

        // A daemon that meets a bad value first (a restart) applies none of it, as a file or a request is whole.
        Pod partly = annotated(good, "{maxConnections: 5, allowFrom: [192.0.2.0/33]}");
        Translation fresh = NplTranslator.translate(List.of(partly), List.of(svc), V4, new Memory());
        assertEquals(new EndpointPort(8080, Protocol.TCP), onlyPort(fresh, 8080, Protocol.TCP));
        assertTrue(noticesOf(fresh, "policy_invalid").get(0).reason()
                .endsWith("; the annotation is not applied until it is fixed"));
    }

    @Test
    void theMemoryForgetsObjectsThatAreGone() {
        Memory memory = new Memory();
        Service svc = annotated(service("shop", "web", WEB, servicePort(80, 8080, "TCP")), "proxyProtocol: v1");
        Pod p = annotated(pod("shop", "web-1", WEB, "198.18.0.5"), "maxConnections: 3");
        NplTranslator.translate(List.of(p), List.of(svc), V4, memory);
        assertEquals(2, memory.size());
        NplTranslator.translate(List.of(), List.of(svc), V4, memory);
        assertEquals(1, memory.size(), "the Pod's entry went with the Pod");
        NplTranslator.translate(List.of(), List.of(), V4, memory);
        assertEquals(0, memory.size());
    }

    @Test
    void aServiceProblemIsReportedOnTheService() {
        Service svc = annotated(service("shop", "web", WEB, servicePort(80, 8080, "TCP")), "maxConnections: 0");
        Translation t = NplTranslator.translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")), List.of(svc),
                V4);
        List<String> reasons = new ArrayList<>();
        noticesOf(t, "policy_invalid").forEach(n -> reasons.add(n.subject() + " " + n.reason()));
        assertEquals(List.of("shop/web portlocal.dev/port-policy: maxConnections: 0 (expected: an integer, at least "
                + "1); the annotation is not applied until it is fixed"), reasons);
        assertEquals(new EndpointPort(8080, Protocol.TCP), onlyPort(t, 8080, Protocol.TCP), "the Pod is served");
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
