package dev.portlocal.kubernetes;

import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.Protocol;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What {@link NplTranslator} makes of the cluster: the desired endpoints of the Kubernetes source, what each
 * mapped Pod publishes, and the notices worth a log line (a Service skipped, a port unresolved, a pin refused).
 * A local Pod without a plan must carry no annotation. {@code enabledServices} counts the Services that opted in
 * and qualify (type and selector).
 */
public record Translation(List<Endpoint> endpoints, Map<String, PodPlan> plans, List<Notice> notices,
                          int enabledServices) {

    public Translation {
        endpoints = List.copyOf(endpoints);
        plans = Map.copyOf(plans);
        notices = List.copyOf(notices);
    }

    /**
     * What one Pod ({@code namespace/name}) publishes: each allocated (podPort, protocol, family), whose node port
     * comes from its listening mapping, and each hostPort entry, published as it is.
     */
    public record PodPlan(String namespace, String name, List<Published> allocated, List<AnnotationEntry> hostPorts) {
        public PodPlan {
            requireNonNull(namespace, "namespace");
            requireNonNull(name, "name");
            allocated = List.copyOf(allocated);
            hostPorts = List.copyOf(hostPorts);
        }

        /** The endpoint name, {@code namespace/name}. */
        public String key() {
            return namespace + "/" + name;
        }
    }

    /** A Pod port that a selecting Service exposes, in one protocol and one IP family. */
    public record Published(int podPort, Protocol protocol, IpFamily family) {
        public MappingKey key(String endpoint) {
            return new MappingKey(endpoint, podPort, protocol, family);
        }
    }

    /** Something about {@code subject} (a Service or a Pod, {@code namespace/name}) the operator should know. */
    public record Notice(String subject, String event, String reason) {
        public Notice {
            requireNonNull(subject, "subject");
            requireNonNull(event, "event");
            requireNonNull(reason, "reason");
        }
    }
}
