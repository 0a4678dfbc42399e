package dev.portlocal.kubernetes;

import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.api.NodeIps;
import dev.portlocal.kubernetes.Translation.Notice;
import dev.portlocal.kubernetes.Translation.PodPlan;
import dev.portlocal.kubernetes.Translation.Published;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Protocol;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.hostPort;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NplTranslatorTest {

    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final NodeIps V4 = NodeAddresses.nodeIps(node("n", address("InternalIP", "192.0.2.10")));
    private static final NodeIps DUAL = NodeAddresses.nodeIps(node("n", address("InternalIP", "192.0.2.10"),
            address("InternalIP", "2001:db8::10")));

    private static Translation translate(List<Pod> pods, List<Service> services) {
        return NplTranslator.translate(pods, services, V4);
    }

    private static EndpointPort tcp(int port) {
        return new EndpointPort(port, Protocol.TCP);
    }

    private static Endpoint endpoint(String name, String ip, EndpointPort... ports) {
        return new Endpoint(name, List.of(Addresses.parseIp("ip", ip)), List.of(ports), true);
    }

    @Test
    void aSelectedPodGetsOneEndpointWithTheTargetPort() {
        Translation t = translate(List.of(pod("shop", "web-1", Map.of("app", "web", "tier", "front"),
                "198.18.0.5")), List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"))));

        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", tcp(8080))), t.endpoints());
        assertEquals(List.of(new Published(8080, Protocol.TCP, IpFamily.IPv4)),
                t.plans().get("shop/web-1").allocated());
        assertEquals(1, t.enabledServices());
        assertEquals(List.of(), t.notices());
    }

    @Test
    void onlyTheExactStringTrueOptsIn() {
        Service capitalised = new ServiceBuilder(service("shop", "web", WEB, servicePort(80, 8080, "TCP")))
                .editMetadata().addToAnnotations(NplTranslator.ENABLED, "True").endMetadata().build();
        Service absent = new ServiceBuilder(capitalised).editMetadata().withAnnotations(Map.of()).endMetadata()
                .build();

        Translation t = translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")), List.of(capitalised));
        assertEquals(List.of(), t.endpoints());
        assertEquals(List.of(new Notice("shop/web", "service_not_enabled",
                "nodeportlocal.antrea.io/enabled: True (expected: exactly \"true\")")), t.notices());
        assertEquals(List.of(), translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")), List.of(absent))
                .endpoints());
    }

    @Test
    void onlyClusterIpAndLoadBalancerServicesCount() {
        Pod pod = pod("shop", "web-1", WEB, "198.18.0.5");
        for (String type : List.of("NodePort", "ExternalName")) {
            Service service = new ServiceBuilder(service("shop", "web", WEB, servicePort(80, 8080, "TCP")))
                    .editSpec().withType(type).endSpec().build();
            Translation t = translate(List.of(pod), List.of(service));
            assertEquals(List.of(), t.endpoints(), type);
            assertEquals("service_skipped", t.notices().get(0).event(), type);
        }
        Service balancer = new ServiceBuilder(service("shop", "lb", WEB, servicePort(80, 8080, "TCP")))
                .editSpec().withType("LoadBalancer").endSpec().build();
        Service headless = new ServiceBuilder(service("shop", "headless", WEB, servicePort(81, 8081, "TCP")))
                .editSpec().withClusterIP("None").endSpec().build();
        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", tcp(8080), tcp(8081))),
                translate(List.of(pod), List.of(balancer, headless)).endpoints());
    }

    @Test
    void theSelectorMatchesWithinTheNamespaceOnly() {
        Pod other = pod("other", "web-1", WEB, "198.18.0.6");
        Pod partial = pod("shop", "partial", Map.of("tier", "front"), "198.18.0.7");
        Service service = service("shop", "web", Map.of("app", "web", "tier", "front"),
                servicePort(80, 8080, "TCP"));
        Pod both = pod("shop", "both", Map.of("app", "web", "tier", "front", "extra", "x"), "198.18.0.8");

        Translation t = translate(List.of(other, partial, both), List.of(service));

        assertEquals(List.of(endpoint("shop/both", "198.18.0.8", tcp(8080))), t.endpoints());
        assertEquals(List.of("shop/both"), List.copyOf(t.plans().keySet()));
    }

    @Test
    void aServiceWithoutSelectorSelectsNothing() {
        Service service = new ServiceBuilder(service("shop", "web", WEB, servicePort(80, 8080, "TCP")))
                .editSpec().withSelector(null).endSpec().build();
        Translation t = translate(List.of(pod("shop", "web-1", Map.of(), "198.18.0.5")), List.of(service));
        assertEquals(List.of(), t.endpoints());
        assertEquals(0, t.enabledServices());
    }

    @Test
    void targetPortIsNumericDefaultedOrNamedWithTheSameProtocol() {
        Pod pod = pod("shop", "dns-1", WEB, "198.18.0.5",
                containerPort("dns", 5353, "UDP"), containerPort("dns-tcp", 5300, "TCP"),
                containerPort("http", 8080, "TCP"));
        Service service = service("shop", "dns", WEB,
                servicePort(53, "dns", "UDP"),
                new ServicePortBuilder().withPort(9000).withProtocol("TCP").build(),
                servicePort(80, "http", "TCP"),
                servicePort(81, "dns", "TCP"));

        Translation t = translate(List.of(pod), List.of(service));

        assertEquals(List.of(endpoint("shop/dns-1", "198.18.0.5", new EndpointPort(5353, Protocol.UDP), tcp(8080),
                tcp(9000))), t.endpoints());
        assertEquals(List.of(new Notice("shop/dns-1", "target_port_unresolved",
                "targetPort dns/tcp of Service shop/dns names no container port of this Pod")), t.notices());
    }

    @Test
    void sctpPortsAreSkipped() {
        Translation t = translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")),
                List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"), servicePort(90, 9090, "SCTP"))));
        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", tcp(8080))), t.endpoints());
        assertEquals(List.of(new Notice("shop/web", "service_port_skipped",
                "port 90/SCTP (expected: protocol TCP or UDP)")), t.notices());
    }

    @Test
    void servicesSharingAPodPortShareOneMappingAndTheRestIsUnited() {
        Pod pod = pod("shop", "web-1", WEB, "198.18.0.5");
        Translation t = translate(List.of(pod), List.of(
                service("shop", "a", WEB, servicePort(80, 8080, "TCP")),
                service("shop", "b", WEB, servicePort(8080, 8080, "TCP"), servicePort(53, 53, "UDP"))));

        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", new EndpointPort(53, Protocol.UDP), tcp(8080))),
                t.endpoints());
        assertEquals(2, t.plans().get("shop/web-1").allocated().size());
    }

    @Test
    void aHostPortIsPublishedAsItIsAndAllocatesNothing() {
        Pod pod = pod("shop", "web-1", WEB, "198.18.0.5", hostPort(8080, 30080));
        Translation t = translate(List.of(pod), List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"),
                servicePort(81, 8081, "TCP"))));

        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", tcp(8081))), t.endpoints());
        PodPlan plan = t.plans().get("shop/web-1");
        assertEquals(List.of(new AnnotationEntry(8080, "192.0.2.10", 30080, "tcp", "IPv4")), plan.hostPorts());
        assertEquals(List.of(new Published(8081, Protocol.TCP, IpFamily.IPv4)), plan.allocated());
    }

    @Test
    void aPodWithOnlyHostPortsHasAPlanAndNoEndpoint() {
        Pod pod = pod("shop", "web-1", WEB, "198.18.0.5", hostPort(8080, 30080));
        Translation t = translate(List.of(pod), List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"))));
        assertEquals(List.of(), t.endpoints());
        assertEquals(1, t.plans().get("shop/web-1").hostPorts().size());
    }

    @Test
    void podsWithoutIpOrFinishedGetNothing() {
        Service service = service("shop", "web", WEB, servicePort(80, 8080, "TCP"));
        Pod noIp = pod("shop", "pending", Fixtures.NODE, WEB, List.of());
        Pod succeeded = new PodBuilder(pod("shop", "done", WEB, "198.18.0.6")).editStatus().withPhase("Succeeded")
                .endStatus().build();
        Pod failed = new PodBuilder(pod("shop", "failed", WEB, "198.18.0.7")).editStatus().withPhase("Failed")
                .endStatus().build();
        Pod pendingWithIp = new PodBuilder(pod("shop", "starting", WEB, "198.18.0.8")).editStatus()
                .withPhase("Pending").endStatus().build();

        Translation t = translate(List.of(noIp, succeeded, failed, pendingWithIp), List.of(service));

        assertEquals(List.of("shop/starting"), t.endpoints().stream().map(Endpoint::name).toList());
        assertEquals(List.of("shop/starting"), List.copyOf(t.plans().keySet()));
    }

    @Test
    void familiesComeFromTheServiceAndNeedAPodIpAndANodeIp() {
        Pod dual = pod("shop", "web-1", Fixtures.NODE, WEB, List.of("198.18.0.5", "2001:db8::5"));
        Service dualService = new ServiceBuilder(service("shop", "web", WEB, servicePort(80, 8080, "TCP")))
                .editSpec().withIpFamilies("IPv6", "IPv4").endSpec().build();
        Service v6Only = new ServiceBuilder(service("shop", "web6", WEB, servicePort(81, 8081, "TCP")))
                .editSpec().withIpFamilies("IPv6").endSpec().build();

        Translation both = NplTranslator.translate(List.of(dual), List.of(dualService), DUAL);
        assertEquals(List.of(new Endpoint("shop/web-1", List.of(Addresses.parseIp("ip", "198.18.0.5"),
                Addresses.parseIp("ip", "2001:db8::5")), List.of(tcp(8080)), true)), both.endpoints());
        assertEquals(List.of(new Published(8080, Protocol.TCP, IpFamily.IPv4),
                new Published(8080, Protocol.TCP, IpFamily.IPv6)), both.plans().get("shop/web-1").allocated());

        Translation v4Node = NplTranslator.translate(List.of(dual), List.of(dualService, v6Only), V4);
        assertEquals(List.of(endpoint("shop/web-1", "198.18.0.5", tcp(8080))), v4Node.endpoints(),
                "no node IPv6: nothing of IPv6 is mapped");

        Translation mixed = NplTranslator.translate(List.of(dual), List.of(v6Only,
                service("shop", "web4", WEB, servicePort(82, 8082, "TCP"))), DUAL);
        assertEquals(List.of(new Published(8081, Protocol.TCP, IpFamily.IPv6),
                new Published(8082, Protocol.TCP, IpFamily.IPv4)), mixed.plans().get("shop/web-1").allocated(),
                "each port is published in its Service's families only");
    }

    @Test
    void nothingIsMappedBeforeANodeIpIsKnown() {
        Translation t = NplTranslator.translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")),
                List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"))), NodeIps.of(List.of()));
        assertEquals(List.of(), t.endpoints());
        assertEquals(Map.of(), t.plans());
    }

    @Test
    void readinessIsCarriedAndANotReadyPodIsStillMapped() {
        Pod notReady = new PodBuilder(pod("shop", "web-1", WEB, "198.18.0.5")).editStatus().editFirstCondition()
                .withStatus("False").endCondition().endStatus().build();
        Translation t = translate(List.of(notReady), List.of(service("shop", "web", WEB,
                servicePort(80, 8080, "TCP"))));
        assertEquals(1, t.endpoints().size());
        assertFalse(t.endpoints().get(0).ready());
        assertTrue(translate(List.of(pod("shop", "web-1", WEB, "198.18.0.5")), List.of(service("shop", "web", WEB,
                servicePort(80, 8080, "TCP")))).endpoints().get(0).ready());
    }

    @Test
    void pinsAreHonouredAndTheRestIsReported() {
        Pod pod = new PodBuilder(pod("shop", "web-1", WEB, "198.18.0.5", hostPort(7070, 30070))).editMetadata()
                .addToAnnotations(PortPins.KEY, "8080=61500, 9090=61501, 7070=61502, oops").endMetadata().build();
        Translation t = translate(List.of(pod), List.of(service("shop", "web", WEB, servicePort(80, 8080, "TCP"),
                servicePort(70, 7070, "TCP"))));

        assertEquals(List.of(new EndpointPort(8080, Protocol.TCP, OptionalInt.of(61500))),
                t.endpoints().get(0).ports());
        assertEquals(List.of("pin_invalid", "pin_ignored", "pin_ignored"),
                t.notices().stream().map(Notice::event).toList(), t.notices().toString());
    }
}
