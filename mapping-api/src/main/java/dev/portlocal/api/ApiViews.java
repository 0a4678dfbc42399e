package dev.portlocal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Durations;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.ProxyProtocol;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON shapes of the API's answers, as records, and how they are built from {@link MappingStatus} snapshots.
 * Field names and order are part of the API (docs/api.md); the annotation's match NodePortLocal's exactly.
 */
public final class ApiViews {

    private ApiViews() {
    }

    /** One endpoint with each of its ports. */
    @JsonPropertyOrder({"name", "ip", "ips", "source", "ports"})
    public record EndpointView(String name, String ip,
                               @JsonInclude(JsonInclude.Include.NON_NULL) List<String> ips, String source,
                               List<PortView> ports) {
    }

    /**
     * One port of an endpoint: {@code nodePort} is the bound port, else the pinned one, else null;
     * {@code healthCheck} the check in force (the port's own or the daemon's default), absent without one;
     * {@code idleTimeout}, {@code proxyProtocol}, {@code allowFrom}, {@code maxConnections}, {@code connectTimeout}
     * and {@code accessLog} the port's own, absent when the daemon's default applies.
     */
    @JsonPropertyOrder({"port", "protocol", "ipFamily", "nodePort", "state", "message", "healthCheck", "idleTimeout",
            "proxyProtocol", "allowFrom", "maxConnections", "connectTimeout", "accessLog"})
    public record PortView(int port, String protocol, String ipFamily, Integer nodePort, String state,
                           String message, @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckView healthCheck,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String idleTimeout,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String proxyProtocol,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> allowFrom,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxConnections,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String connectTimeout,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Boolean accessLog) {

        static PortView of(MappingStatus status, Integer nodePort) {
            PortPolicy p = status.policy();
            List<String> allowFrom = new ArrayList<>();
            p.allowFrom().forEach(c -> allowFrom.add(c.toString()));
            return new PortView(status.key().port(), status.key().protocol().wireName(),
                    status.key().family().name(), nodePort, status.state().wireName(), status.message(),
                    status.healthCheck().map(HealthCheckView::of).orElse(null),
                    status.idleTimeout().map(Durations::format).orElse(null),
                    status.proxyProtocol().map(ProxyProtocol::wireName).orElse(null), allowFrom,
                    p.maxConnections().isPresent() ? p.maxConnections().getAsInt() : null,
                    p.connectTimeout().map(Durations::format).orElse(null), p.accessLog().orElse(null));
        }
    }

    /** A health check as the mapping file writes it. */
    @JsonPropertyOrder({"interval", "timeout", "rise", "fall"})
    public record HealthCheckView(String interval, String timeout, int rise, int fall) {
        static HealthCheckView of(HealthCheck check) {
            return new HealthCheckView(Durations.format(check.interval()), Durations.format(check.timeout()),
                    check.rise(), check.fall());
        }
    }

    /** A row of {@code GET /v1/mappings}; {@code nodeIP} is null for a family without a node IP. */
    @JsonPropertyOrder({"endpoint", "ip", "port", "protocol", "nodeIP", "nodePort", "ipFamily", "source", "state",
            "message"})
    public record MappingRow(String endpoint, String ip, int port, String protocol,
                             @JsonProperty("nodeIP") String nodeIP, Integer nodePort, String ipFamily,
                             String source, String state, String message) {
    }

    /** One element of the {@code nodeportlocal.antrea.io} annotation, field for field as NodePortLocal writes it. */
    @JsonPropertyOrder({"podPort", "nodeIP", "nodePort", "protocol", "ipFamily"})
    public record AnnotationEntry(int podPort, @JsonProperty("nodeIP") String nodeIP, int nodePort, String protocol,
                                  String ipFamily) {
    }

    /** The answer of {@code GET /v1/ports/{nodePort}/{protocol}}: every mapping on that port, one per family. */
    @JsonPropertyOrder({"nodePort", "protocol", "mappings"})
    public record PortOwner(int nodePort, String protocol, List<MappingRow> mappings) {
    }

    /** The answer of {@code GET /v1/info}. */
    @JsonPropertyOrder({"version", "portRange", "freePorts", "nodeIPs", "ready", "endpoints", "mappings",
            "tokenRequired", "reload"})
    public record Info(String version, PortRangeView portRange, Map<String, Map<String, Integer>> freePorts,
                       @JsonProperty("nodeIPs") List<NodeIpView> nodeIPs, boolean ready, int endpoints,
                       int mappings, boolean tokenRequired,
                       @JsonInclude(JsonInclude.Include.NON_NULL) ReloadStatus reload) {
    }

    @JsonPropertyOrder({"start", "end", "size"})
    public record PortRangeView(int start, int end, int size) {
    }

    @JsonPropertyOrder({"ipFamily", "ip", "source"})
    public record NodeIpView(String ipFamily, String ip, String source) {
    }

    /** {@code {"status": "ok"}} for the probes. */
    public record Status(String status) {
    }

    /** {@code {"deleted": "shop/web"}}. */
    public record Deleted(String deleted) {
    }

    /** Groups {@code statuses} (sorted by endpoint, as the service returns them) into endpoints. */
    public static List<EndpointView> endpoints(List<MappingStatus> statuses) {
        Map<String, List<MappingStatus>> byName = new LinkedHashMap<>();
        for (MappingStatus status : statuses) {
            byName.computeIfAbsent(status.key().endpoint(), name -> new ArrayList<>()).add(status);
        }
        List<EndpointView> views = new ArrayList<>(byName.size());
        for (List<MappingStatus> group : byName.values()) {
            views.add(endpoint(group));
        }
        return views;
    }

    /** One endpoint from its (non-empty) statuses. */
    public static EndpointView endpoint(List<MappingStatus> statuses) {
        MappingStatus first = statuses.get(0);
        List<PortView> ports = new ArrayList<>(statuses.size());
        for (MappingStatus status : statuses) {
            ports.add(PortView.of(status, nodePort(status)));
        }
        // A dual-stack endpoint shows both addresses in ips; ip stays the first, for readers of one address.
        List<String> ips = new ArrayList<>();
        for (MappingStatus status : statuses) {
            String ip = Addresses.format(status.target().getAddress());
            if (!ips.contains(ip)) {
                ips.add(ip);
            }
        }
        return new EndpointView(first.key().endpoint(), ips.get(0), ips.size() > 1 ? List.copyOf(ips) : null,
                first.source().wireName(), ports);
    }

    public static MappingRow row(MappingStatus status, NodeIps nodeIps) {
        return new MappingRow(status.key().endpoint(), Addresses.format(status.target().getAddress()),
                status.key().port(), status.key().protocol().wireName(),
                nodeIps.forFamily(status.key().family()).map(Addresses::format).orElse(null), nodePort(status),
                status.key().family().name(), status.source().wireName(), status.state().wireName(),
                status.message());
    }

    public static List<MappingRow> rows(List<MappingStatus> statuses, NodeIps nodeIps) {
        List<MappingRow> rows = new ArrayList<>(statuses.size());
        for (MappingStatus status : statuses) {
            rows.add(row(status, nodeIps));
        }
        return rows;
    }

    /**
     * The NPL annotation of one endpoint: one element per listening (podPort, protocol, family), sorted by podPort
     * then protocol. Mappings that are not listening have no node port to publish and are left out, as NPL does;
     * so are mappings of a family without a node IP.
     */
    public static List<AnnotationEntry> annotation(List<MappingStatus> statuses, NodeIps nodeIps) {
        List<AnnotationEntry> entries = new ArrayList<>();
        for (MappingStatus status : statuses) {
            Optional<InetAddress> nodeIp = nodeIps.forFamily(status.key().family());
            if (status.holdsPort() && nodeIp.isPresent()) {
                entries.add(new AnnotationEntry(status.key().port(), Addresses.format(nodeIp.get()),
                        status.nodePort().getAsInt(), status.key().protocol().wireName(),
                        status.key().family().name()));
            }
        }
        entries.sort(Comparator.comparingInt(AnnotationEntry::podPort).thenComparing(AnnotationEntry::protocol)
                .thenComparing(AnnotationEntry::ipFamily));
        return entries;
    }

    private static Integer nodePort(MappingStatus status) {
        return status.nodePort().isPresent() ? status.nodePort().getAsInt() : null;
    }
}
