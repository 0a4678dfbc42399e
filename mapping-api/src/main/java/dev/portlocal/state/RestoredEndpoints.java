package dev.portlocal.state;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Rebuilds a source's endpoints from its persisted entries, so that a source which keeps no other record (the API)
 * or cannot read its own yet (Kubernetes before its caches sync) declares them again with the same node ports.
 * Pure but for logging.
 */
public final class RestoredEndpoints {

    private static final Logger log = LoggerFactory.getLogger(RestoredEndpoints.class);

    private RestoredEndpoints() {
    }

    /**
     * One endpoint per name: one IP per family (a dual-stack endpoint has two), each port once whatever its
     * families, pinned where the entry was. An entry with another IP than the first of its family, or a group that
     * makes no valid endpoint, is skipped and logged as {@code event}.
     */
    public static List<Endpoint> rebuild(List<StateEntry> entries, String event) {
        Map<String, List<StateEntry>> byName = new LinkedHashMap<>();
        for (StateEntry entry : entries) {
            byName.computeIfAbsent(entry.key().endpoint(), name -> new ArrayList<>()).add(entry);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Map.Entry<String, List<StateEntry>> group : byName.entrySet()) {
            Map<IpFamily, InetAddress> ipByFamily = new EnumMap<>(IpFamily.class);
            Map<String, EndpointPort> portsByKey = new LinkedHashMap<>();
            for (StateEntry entry : group.getValue()) {
                MappingKey key = entry.key();
                InetAddress known = ipByFamily.putIfAbsent(key.family(), entry.ip());
                if (known != null && !known.equals(entry.ip())) {
                    log.atWarn().setMessage(event)
                            .addKeyValue("endpoint", key.endpoint())
                            .addKeyValue("port", key.port())
                            .addKeyValue("protocol", key.protocol())
                            .addKeyValue("ip", Addresses.format(entry.ip()))
                            .addKeyValue("reason", "another " + key.family()
                                    + " address than the endpoint's first entry")
                            .log();
                    continue;
                }
                portsByKey.putIfAbsent(key.port() + "/" + key.protocol().wireName(),
                        new EndpointPort(key.port(), key.protocol(),
                                entry.pinned() ? OptionalInt.of(entry.nodePort()) : OptionalInt.empty(),
                                entry.idleTimeout(), entry.healthCheck(), entry.proxyProtocol(),
                                entry.policy()));
            }
            try {
                endpoints.add(new Endpoint(group.getKey(), new ArrayList<>(ipByFamily.values()),
                        new ArrayList<>(portsByKey.values())));
            } catch (IllegalArgumentException e) {
                log.atWarn().setMessage(event)
                        .addKeyValue("endpoint", group.getKey())
                        .addKeyValue("reason", e.getMessage())
                        .log();
            }
        }
        return endpoints;
    }
}
