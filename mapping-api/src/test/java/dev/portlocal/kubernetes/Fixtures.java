package dev.portlocal.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes objects for tests, shaped as the API server stores them (defaults filled in: protocol TCP, type
 * ClusterIP). Addresses come from documentation and benchmarking ranges only.
 */
public final class Fixtures {

    public static final String NODE = "node-a";

    private Fixtures() {
    }

    /** A running, ready Pod on {@code node} with {@code ips} and the given container ports. */
    public static Pod pod(String namespace, String name, String node, Map<String, String> labels, List<String> ips,
                          ContainerPort... ports) {
        List<PodIP> podIps = new ArrayList<>();
        for (String ip : ips) {
            podIps.add(new PodIP(ip));
        }
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(node)
                .addNewContainer().withName("app").withImage("app:1").withPorts(ports).endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ips.isEmpty() ? null : ips.get(0))
                .withPodIPs(podIps)
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus()
                .build();
    }

    public static Pod pod(String namespace, String name, Map<String, String> labels, String ip,
                          ContainerPort... ports) {
        return pod(namespace, name, NODE, labels, List.of(ip), ports);
    }

    public static ContainerPort containerPort(String name, int port, String protocol) {
        return new ContainerPortBuilder().withName(name).withContainerPort(port).withProtocol(protocol).build();
    }

    public static ContainerPort hostPort(int port, int hostPort) {
        return new ContainerPortBuilder().withContainerPort(port).withHostPort(hostPort).withProtocol("TCP").build();
    }

    /** A ClusterIP Service opted in to NodePortLocal, IPv4. */
    public static Service service(String namespace, String name, Map<String, String> selector,
                                  ServicePort... ports) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .addToAnnotations(NplTranslator.ENABLED, "true").endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(selector).withPorts(ports)
                .withIpFamilies("IPv4").endSpec()
                .build();
    }

    public static ServicePort servicePort(int port, int targetPort, String protocol) {
        return new ServicePortBuilder().withPort(port).withTargetPort(new IntOrString(targetPort))
                .withProtocol(protocol).build();
    }

    public static ServicePort servicePort(int port, String targetPortName, String protocol) {
        return new ServicePortBuilder().withPort(port).withTargetPort(new IntOrString(targetPortName))
                .withProtocol(protocol).build();
    }

    public static Node node(String name, NodeAddress... addresses) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().withAddresses(addresses).endStatus().build();
    }

    public static NodeAddress address(String type, String address) {
        return new NodeAddress(address, type);
    }
}
