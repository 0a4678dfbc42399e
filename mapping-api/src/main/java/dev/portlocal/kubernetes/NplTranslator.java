package dev.portlocal.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.api.NodeIps;
import dev.portlocal.kubernetes.PortPins.PodPort;
import dev.portlocal.kubernetes.PortPolicyAnnotation.Memory;
import dev.portlocal.kubernetes.PortPolicyAnnotation.Policy;
import dev.portlocal.kubernetes.Translation.Notice;
import dev.portlocal.kubernetes.Translation.PodPlan;
import dev.portlocal.kubernetes.Translation.Published;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Protocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * NodePortLocal's rules, as a pure function from the Pods of this node, every Service and the node IPs to the
 * desired endpoints of the Kubernetes source (one per Pod, named {@code namespace/pod}):
 * <ul>
 *   <li>a Service opts in with the annotation {@value #ENABLED}, exactly {@code "true"}; only types ClusterIP
 *       (headless too) and LoadBalancer count; one without a selector selects nothing;</li>
 *   <li>a Pod is selected when it is in the Service's namespace and its labels hold every pair of the selector;
 *       a Pod in phase Succeeded or Failed, or without an IP, gets nothing;</li>
 *   <li>the Pod port is the Service port's targetPort: a number as is, missing means {@code port}, a name is
 *       resolved against the containers' ports of the same protocol (no match, no mapping); SCTP is skipped;</li>
 *   <li>the IP families are the Service's {@code spec.ipFamilies} (IPv4 when missing), each only where the Pod has
 *       an IP and the node an IP of that family;</li>
 *   <li>the union over every selecting Service, de-duplicated by (podPort, protocol, family): Services sharing a
 *       Pod port share its node port;</li>
 *   <li>a container port that declares a hostPort for that port and protocol is published with the hostPort as its
 *       node port and allocates nothing.</li>
 * </ul>
 * Beyond NodePortLocal: the Pod's Ready condition is carried as {@link Endpoint#ready()} (a not-ready Pod keeps
 * its mappings), {@link PortPins} on the Pod pin node ports, and {@link PortPolicyAnnotation} on the Service and the
 * Pod sets each port's policy: for a Pod port, the fields of every selecting Service that exposes it (the first by
 * {@code namespace/name} where two disagree, with a {@code policy_conflict} notice), then the Pod's own over them.
 *
 * <p>An {@link Endpoint} maps every port in every family of its IPs, so when two Services select one dual-stack
 * Pod with different families, a port may also listen in a family nothing publishes; the plan publishes exactly the
 * wanted (podPort, protocol, family) triples. Thread-safe; no I/O.
 */
public final class NplTranslator {

    /** The Service annotation that opts its Pods in. */
    public static final String ENABLED = "nodeportlocal.antrea.io/enabled";

    private static final Comparator<Pod> POD_ORDER = Comparator.comparing(NplTranslator::key);
    private static final Comparator<PodPort> PORT_ORDER = Comparator.comparingInt(PodPort::port)
            .thenComparing(PodPort::protocol);

    private NplTranslator() {
    }

    public static Translation translate(Collection<Pod> pods, Collection<Service> services, NodeIps nodeIps) {
        return translate(pods, services, nodeIps, new Memory());
    }

    /**
     * As {@link #translate(Collection, Collection, NodeIps)}, with the port policies in force kept in {@code memory}
     * from one translation to the next (see {@link Memory}).
     */
    public static Translation translate(Collection<Pod> pods, Collection<Service> services, NodeIps nodeIps,
                                        Memory memory) {
        List<Notice> notices = new ArrayList<>();
        Map<String, Policy> servicePolicies = new HashMap<>(); // the qualifying Services that set a policy
        Map<String, List<Service>> enabledByNamespace = new HashMap<>();
        int enabled = 0;
        List<Service> sortedServices = new ArrayList<>(services);
        sortedServices.sort(Comparator.comparing(NplTranslator::key));
        for (Service service : sortedServices) {
            if (qualifies(service, notices)) {
                enabled++;
                Policy policy = policy(memory, "Service", key(service), service.getMetadata().getAnnotations(),
                        notices);
                if (!policy.isEmpty()) {
                    servicePolicies.put(key(service), policy);
                }
                enabledByNamespace.computeIfAbsent(service.getMetadata().getNamespace(), ns -> new ArrayList<>())
                        .add(service);
            }
        }
        Set<IpFamily> nodeFamilies = EnumSet.noneOf(IpFamily.class);
        for (NodeIps.NodeIp ip : nodeIps.all()) {
            nodeFamilies.add(ip.family());
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Map<String, PodPlan> plans = new TreeMap<>();
        List<Pod> sortedPods = new ArrayList<>(pods);
        sortedPods.sort(POD_ORDER);
        for (Pod pod : sortedPods) {
            List<Service> candidates = enabledByNamespace.getOrDefault(pod.getMetadata().getNamespace(), List.of());
            if (!candidates.isEmpty() && isRunnable(pod)) {
                translatePod(pod, candidates, servicePolicies, memory, nodeIps, nodeFamilies, endpoints, plans,
                        notices);
            }
        }
        memory.endRound();
        return new Translation(endpoints, plans, notices, enabled);
    }

    private static boolean qualifies(Service service, List<Notice> notices) {
        Map<String, String> annotations = service.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(ENABLED);
        if (value == null) {
            return false;
        }
        String subject = key(service);
        if (!value.equals("true")) {
            notices.add(new Notice(subject, "service_not_enabled",
                    ENABLED + ": " + value + " (expected: exactly \"true\")"));
            return false;
        }
        String type = service.getSpec() == null || service.getSpec().getType() == null ? "ClusterIP"
                : service.getSpec().getType();
        if (!type.equals("ClusterIP") && !type.equals("LoadBalancer")) {
            notices.add(new Notice(subject, "service_skipped", "type " + type
                    + " (expected: ClusterIP or LoadBalancer)"));
            return false;
        }
        Map<String, String> selector = service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            notices.add(new Notice(subject, "service_skipped", "no selector: the Service selects no Pods"));
            return false;
        }
        return true;
    }

    private static boolean isRunnable(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    private static Policy policy(Memory memory, String kind, String subject, Map<String, String> annotations,
                                 List<Notice> notices) {
        List<String> problems = new ArrayList<>();
        Policy policy = memory.of(kind + " " + subject,
                annotations == null ? null : annotations.get(PortPolicyAnnotation.KEY), problems);
        for (String problem : problems) {
            notices.add(new Notice(subject, "policy_invalid", problem));
        }
        return policy;
    }

    private static void translatePod(Pod pod, List<Service> candidates, Map<String, Policy> servicePolicies,
                                     Memory memory, NodeIps nodeIps, Set<IpFamily> nodeFamilies,
                                     List<Endpoint> endpoints, Map<String, PodPlan> plans, List<Notice> notices) {
        Map<IpFamily, InetAddress> podIps = podIps(pod);
        if (podIps.isEmpty()) {
            return;
        }
        String name = key(pod);
        Map<String, String> labels = Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
        Map<PodPort, Set<IpFamily>> allocated = new TreeMap<>(PORT_ORDER);
        Map<PodPort, List<Service>> exposedBy = new HashMap<>();
        Map<Published, Integer> hostPorts = new TreeMap<>(Comparator.comparingInt(Published::podPort)
                .thenComparing(Published::protocol).thenComparing(Published::family));
        for (Service service : candidates) {
            if (!labels.entrySet().containsAll(service.getSpec().getSelector().entrySet())) {
                continue;
            }
            Set<IpFamily> families = serviceFamilies(service);
            families.retainAll(podIps.keySet());
            families.retainAll(nodeFamilies);
            for (ServicePort servicePort : Objects.requireNonNullElse(service.getSpec().getPorts(),
                    List.<ServicePort>of())) {
                Optional<Protocol> protocol = protocol(service, servicePort, notices);
                if (protocol.isEmpty()) {
                    continue;
                }
                OptionalInt podPort = targetPort(pod, servicePort, protocol.get());
                if (podPort.isEmpty()) {
                    notices.add(new Notice(name, "target_port_unresolved", "targetPort "
                            + servicePort.getTargetPort().getStrVal() + "/" + protocol.get().wireName()
                            + " of Service " + key(service) + " names no container port of this Pod"));
                    continue;
                }
                PodPort port = new PodPort(podPort.getAsInt(), protocol.get());
                OptionalInt hostPort = hostPort(pod, port);
                for (IpFamily family : families) {
                    if (hostPort.isPresent()) {
                        hostPorts.put(new Published(port.port(), port.protocol(), family), hostPort.getAsInt());
                    } else {
                        allocated.computeIfAbsent(port, p -> EnumSet.noneOf(IpFamily.class)).add(family);
                        List<Service> by = exposedBy.computeIfAbsent(port, p -> new ArrayList<>());
                        if (!by.contains(service)) {
                            by.add(service);
                        }
                    }
                }
            }
        }
        if (allocated.isEmpty() && hostPorts.isEmpty()) {
            return;
        }
        if (!Endpoint.isValidName(name)) {
            notices.add(new Notice(name, "pod_skipped", "name: " + name + " (expected: " + Endpoint.NAME_EXPECTED
                    + ")"));
            return;
        }
        Map<PodPort, Integer> pins = pins(pod, name, allocated, hostPorts, notices);
        Policy podPolicy = allocated.isEmpty() ? Policy.NONE
                : policy(memory, "Pod", name, pod.getMetadata().getAnnotations(), notices);
        List<Published> published = new ArrayList<>();
        Set<IpFamily> mappedFamilies = EnumSet.noneOf(IpFamily.class);
        List<EndpointPort> ports = new ArrayList<>();
        for (Map.Entry<PodPort, Set<IpFamily>> entry : allocated.entrySet()) {
            PodPort port = entry.getKey();
            Integer pin = pins.get(port);
            ports.add(port(name, port, pin == null ? OptionalInt.empty() : OptionalInt.of(pin),
                    exposedBy.getOrDefault(port, List.of()), servicePolicies, podPolicy, notices));
            for (IpFamily family : entry.getValue()) {
                published.add(new Published(port.port(), port.protocol(), family));
                mappedFamilies.add(family);
            }
        }
        if (!ports.isEmpty()) {
            List<InetAddress> ips = new ArrayList<>();
            for (IpFamily family : mappedFamilies) {
                ips.add(podIps.get(family));
            }
            endpoints.add(new Endpoint(name, ips, ports, isReady(pod)));
        }
        List<AnnotationEntry> hostEntries = new ArrayList<>();
        for (Map.Entry<Published, Integer> entry : hostPorts.entrySet()) {
            Published port = entry.getKey();
            Optional<InetAddress> nodeIp = nodeIps.forFamily(port.family());
            if (nodeIp.isPresent()) {
                hostEntries.add(new AnnotationEntry(port.podPort(), Addresses.format(nodeIp.get()),
                        entry.getValue(), port.protocol().wireName(), port.family().name()));
            }
        }
        plans.put(name, new PodPlan(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), published,
                hostEntries));
    }

    /**
     * The port with its policy: each field from the first selecting Service that sets it (a different value from a
     * later one is a {@code policy_conflict}), the Pod's own fields over them.
     */
    private static EndpointPort port(String name, PodPort port, OptionalInt pin, List<Service> exposedBy,
                                     Map<String, Policy> servicePolicies, Policy podPolicy, List<Notice> notices) {
        if (podPolicy.isEmpty() && servicePolicies.isEmpty()) {
            return new EndpointPort(port.port(), port.protocol(), pin); // no annotation anywhere: the usual case
        }
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        Map<String, String> setBy = new HashMap<>();
        for (Service service : exposedBy) {
            Policy policy = servicePolicies.get(key(service));
            if (policy == null) {
                continue;
            }
            for (Map.Entry<String, JsonNode> field : policy.fieldsFor(port).properties()) {
                JsonNode before = fields.get(field.getKey());
                if (before == null) {
                    fields.set(field.getKey(), field.getValue());
                    setBy.put(field.getKey(), key(service));
                } else if (!before.equals(field.getValue())) {
                    notices.add(new Notice(name, "policy_conflict", PortPolicyAnnotation.KEY + " " + field.getKey()
                            + " of port " + port + ": Service " + key(service) + " says " + field.getValue()
                            + ", Service " + setBy.get(field.getKey()) + " says " + before + "; "
                            + setBy.get(field.getKey()) + "'s applies (the first by namespace/name; the Pod's "
                            + "annotation decides)"));
                }
            }
        }
        fields.setAll(podPolicy.fieldsFor(port));
        List<String> problems = new ArrayList<>();
        Optional<EndpointPort> read = PortPolicyAnnotation.port(port, pin, fields, problems);
        for (String problem : problems) {
            notices.add(new Notice(name, "policy_invalid", problem + "; port " + port + " has no policy"));
        }
        return read.orElseGet(() -> new EndpointPort(port.port(), port.protocol(), pin));
    }

    private static Map<PodPort, Integer> pins(Pod pod, String name, Map<PodPort, Set<IpFamily>> allocated,
                                              Map<Published, Integer> hostPorts, List<Notice> notices) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        PortPins.Parsed parsed = PortPins.parse(annotations == null ? null : annotations.get(PortPins.KEY));
        for (String problem : parsed.problems()) {
            notices.add(new Notice(name, "pin_invalid", problem));
        }
        Map<PodPort, Integer> used = new HashMap<>();
        for (Map.Entry<PodPort, Integer> pin : parsed.pins().entrySet()) {
            PodPort port = pin.getKey();
            if (allocated.containsKey(port)) {
                used.put(port, pin.getValue());
            } else if (hostPorts.keySet().stream().anyMatch(p -> p.podPort() == port.port()
                    && p.protocol() == port.protocol())) {
                notices.add(new Notice(name, "pin_ignored", PortPins.KEY + ": " + port
                        + " is published with its hostPort"));
            } else {
                notices.add(new Notice(name, "pin_ignored", PortPins.KEY + ": " + port
                        + " is not a port any enabled Service exposes on this Pod"));
            }
        }
        return used;
    }

    private static Optional<Protocol> protocol(Service service, ServicePort port, List<Notice> notices) {
        String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
        switch (protocol) {
            case "TCP":
                return Optional.of(Protocol.TCP);
            case "UDP":
                return Optional.of(Protocol.UDP);
            default:
                notices.add(new Notice(key(service), "service_port_skipped", "port " + port.getPort() + "/"
                        + protocol + " (expected: protocol TCP or UDP)"));
                return Optional.empty();
        }
    }

    /** The Pod port a Service port sends to; empty for a name no container port of that protocol carries. */
    static OptionalInt targetPort(Pod pod, ServicePort port, Protocol protocol) {
        IntOrString target = port.getTargetPort();
        if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
            return port.getPort() == null ? OptionalInt.empty() : OptionalInt.of(port.getPort());
        }
        if (target.getIntVal() != null) {
            int value = target.getIntVal();
            return value >= 1 && value <= 65535 ? OptionalInt.of(value) : OptionalInt.empty();
        }
        for (ContainerPort containerPort : containerPorts(pod)) {
            if (target.getStrVal().equals(containerPort.getName()) && protocol(containerPort) == protocol
                    && containerPort.getContainerPort() != null) {
                return OptionalInt.of(containerPort.getContainerPort());
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt hostPort(Pod pod, PodPort port) {
        for (ContainerPort containerPort : containerPorts(pod)) {
            if (Objects.equals(containerPort.getContainerPort(), port.port())
                    && protocol(containerPort) == port.protocol()
                    && containerPort.getHostPort() != null && containerPort.getHostPort() > 0) {
                return OptionalInt.of(containerPort.getHostPort());
            }
        }
        return OptionalInt.empty();
    }

    private static Protocol protocol(ContainerPort port) {
        String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
        return switch (protocol) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            default -> null;
        };
    }

    private static List<ContainerPort> containerPorts(Pod pod) {
        List<ContainerPort> ports = new ArrayList<>();
        if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
            for (Container container : pod.getSpec().getContainers()) {
                if (container.getPorts() != null) {
                    ports.addAll(container.getPorts());
                }
            }
        }
        return ports;
    }

    private static Set<IpFamily> serviceFamilies(Service service) {
        Set<IpFamily> families = EnumSet.noneOf(IpFamily.class);
        List<String> declared = service.getSpec().getIpFamilies();
        if (declared == null || declared.isEmpty()) {
            families.add(IpFamily.IPv4);
            return families;
        }
        for (String family : declared) {
            if ("IPv4".equals(family)) {
                families.add(IpFamily.IPv4);
            } else if ("IPv6".equals(family)) {
                families.add(IpFamily.IPv6);
            }
        }
        return families;
    }

    /** The Pod's IPs, the first of each family, from {@code status.podIPs} (else {@code status.podIP}). */
    static Map<IpFamily, InetAddress> podIps(Pod pod) {
        Map<IpFamily, InetAddress> ips = new EnumMap<>(IpFamily.class);
        if (pod.getStatus() == null) {
            return ips;
        }
        List<String> texts = new ArrayList<>();
        if (pod.getStatus().getPodIPs() != null) {
            for (PodIP ip : pod.getStatus().getPodIPs()) {
                texts.add(ip.getIp());
            }
        }
        texts.add(pod.getStatus().getPodIP());
        for (String text : texts) {
            if (text == null || text.isBlank()) {
                continue;
            }
            try {
                InetAddress ip = Addresses.parseIp("podIP", text);
                ips.putIfAbsent(IpFamily.of(ip), ip);
            } catch (IllegalArgumentException e) {
                // Not an IP literal: the API server never writes one; nothing to map.
            }
        }
        return ips;
    }

    /** The Pod's Ready condition; false when it is missing. */
    static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition condition : pod.getStatus().getConditions()) {
            if ("Ready".equals(condition.getType())) {
                return "True".equals(condition.getStatus());
            }
        }
        return false;
    }

    static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    static String key(Service service) {
        return service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
    }
}
