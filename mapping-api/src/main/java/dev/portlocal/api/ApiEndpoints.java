package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.MappingService;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The endpoints created through the API: the whole desired state of {@link Source#API}. Since
 * {@link MappingService#apply} replaces a source's whole desired state, every change applies the full set.
 *
 * <p>A PUT is all or nothing: if any port of the endpoint cannot listen (a pinned port taken, no free port), the
 * previous definition is applied again and the PUT fails, so a 200 or 201 means every port listens. Endpoints of
 * the mapping file are read-only here.
 *
 * <p>Persistence: the state store keeps the source, IP, pin and idle timeout of every listening mapping;
 * {@link #restore} rebuilds the API's endpoints from it at start, so they come back with the same node ports.
 *
 * <p>Threading: not thread-safe; only the control executor calls it.
 */
public final class ApiEndpoints {

    private static final Logger log = LoggerFactory.getLogger(ApiEndpoints.class);

    private final MappingService service;
    private final Map<String, Endpoint> endpoints = new TreeMap<>();

    public ApiEndpoints(MappingService service) {
        this.service = requireNonNull(service, "service");
    }

    /** What a successful PUT did. */
    public enum PutOutcome {
        CREATED,
        UPDATED
    }

    /**
     * Rebuilds the API's endpoints from the entries restored for {@link Source#API} and applies them. Call once,
     * after {@link MappingService#restore} and before serving mutations.
     */
    public ApplyResult restore() {
        Map<String, List<StateEntry>> byName = new LinkedHashMap<>();
        for (StateEntry entry : service.restoredEntries(Source.API)) {
            byName.computeIfAbsent(entry.key().endpoint(), name -> new ArrayList<>()).add(entry);
        }
        for (Map.Entry<String, List<StateEntry>> group : byName.entrySet()) {
            // One IP per family (a dual-stack endpoint has two); each port once, whatever its families.
            Map<IpFamily, InetAddress> ipByFamily = new EnumMap<>(IpFamily.class);
            Map<String, EndpointPort> portsByKey = new LinkedHashMap<>();
            for (StateEntry entry : group.getValue()) {
                MappingKey key = entry.key();
                InetAddress known = ipByFamily.putIfAbsent(key.family(), entry.ip());
                if (known != null && !known.equals(entry.ip())) {
                    log.atWarn().setMessage("api_endpoint_restore_skipped")
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
                                entry.idleTimeout()));
            }
            List<InetAddress> ips = new ArrayList<>(ipByFamily.values());
            List<EndpointPort> ports = new ArrayList<>(portsByKey.values());
            try {
                endpoints.put(group.getKey(), new Endpoint(group.getKey(), ips, ports));
            } catch (IllegalArgumentException e) {
                log.atWarn().setMessage("api_endpoint_restore_skipped")
                        .addKeyValue("endpoint", group.getKey())
                        .addKeyValue("reason", e.getMessage())
                        .log();
            }
        }
        ApplyResult result = service.apply(Source.API, List.copyOf(endpoints.values()));
        log.atInfo().setMessage("api_endpoints_restored")
                .addKeyValue("endpoints", endpoints.size())
                .addKeyValue("listening", result.added().size())
                .addKeyValue("failed", result.failed().size())
                .log();
        return result;
    }

    public Optional<Endpoint> get(String name) {
        return Optional.ofNullable(endpoints.get(name));
    }

    /** The API's endpoints, by name. */
    public List<Endpoint> all() {
        return List.copyOf(endpoints.values());
    }

    /**
     * Creates or replaces {@code endpoint}. Idempotent: the same definition again changes nothing.
     *
     * @throws ApiException 409 if the mapping file owns the name or a pinned port is held, 503 if a port cannot be
     *                      opened for another reason; nothing has changed then
     */
    public PutOutcome put(Endpoint endpoint) {
        String name = endpoint.name();
        requireNotFileOwned(name, "changed");
        Endpoint previous = endpoints.put(name, endpoint);
        ApplyResult result = service.apply(Source.API, List.copyOf(endpoints.values()));
        Optional<Source> owner = service.owner(name);
        ApiException failure = null;
        if (owner.isPresent() && owner.get() != Source.API) {
            failure = fileOwned(name, "changed");
        } else {
            for (ApplyResult.Failure failed : result.failed()) {
                if (failed.key().endpoint().equals(name)) {
                    failure = portFailure(endpoint, failed);
                    break;
                }
            }
        }
        if (failure != null) {
            if (previous == null) {
                endpoints.remove(name);
            } else {
                endpoints.put(name, previous);
            }
            ApplyResult undone = service.apply(Source.API, List.copyOf(endpoints.values()));
            log.atInfo().setMessage("api_endpoint_refused")
                    .addKeyValue("name", name)
                    .addKeyValue("reason", failure.getMessage())
                    .addKeyValue("rolledBack", undone.failed().stream().noneMatch(f -> f.key().endpoint().equals(name)))
                    .log();
            throw failure;
        }
        PutOutcome outcome = previous == null ? PutOutcome.CREATED : PutOutcome.UPDATED;
        if (!endpoint.equals(previous)) {
            log.atInfo().setMessage(outcome == PutOutcome.CREATED ? "api_endpoint_created" : "api_endpoint_updated")
                    .addKeyValue("name", name)
                    .addKeyValue("ip", endpoint.ips().stream().map(Addresses::format).collect(Collectors.joining(",")))
                    .addKeyValue("ports", endpoint.ports())
                    .log();
        }
        return outcome;
    }

    /**
     * Deletes the API endpoint {@code name}: its node ports stop listening before this returns, and their
     * connections drain.
     *
     * @throws ApiException 404 if there is no such endpoint, 409 if the mapping file owns it
     */
    public void delete(String name) {
        requireNotFileOwned(name, "deleted");
        if (!endpoints.containsKey(name)) {
            throw new ApiException(404, ApiError.of("endpoint " + name + " not found", "name", name));
        }
        endpoints.remove(name);
        service.apply(Source.API, List.copyOf(endpoints.values()));
        log.atInfo().setMessage("api_endpoint_deleted").addKeyValue("name", name).log();
    }

    private void requireNotFileOwned(String name, String verb) {
        Optional<Source> owner = service.owner(name);
        if (owner.isPresent() && owner.get() != Source.API) {
            throw fileOwned(name, verb);
        }
    }

    private static ApiException fileOwned(String name, String verb) {
        return new ApiException(409, ApiError.of("endpoint " + name + " comes from the mapping file and cannot be "
                + verb + " through the API; edit the mapping file instead", "name", name));
    }

    private static ApiException portFailure(Endpoint endpoint, ApplyResult.Failure failed) {
        int index = 0;
        for (int i = 0; i < endpoint.ports().size(); i++) {
            EndpointPort candidate = endpoint.ports().get(i);
            if (candidate.port() == failed.key().port() && candidate.protocol() == failed.key().protocol()) {
                index = i;
            }
        }
        EndpointPort port = endpoint.ports().get(index);
        if (failed.state() == MappingState.CONFLICT && port.nodePort().isPresent()) {
            JsonNode value = IntNode.valueOf(port.nodePort().getAsInt());
            return new ApiException(409, ApiError.of("ports[" + index + "].nodePort: " + failed.message(),
                    "ports[" + index + "].nodePort", value));
        }
        return new ApiException(failed.message().contains("owned by") ? 409 : 503,
                ApiError.of("ports[" + index + "]: " + failed.message(), "ports[" + index + "]",
                        ApiJson.mapper().createObjectNode().put("port", port.port())
                                .put("protocol", port.protocol().wireName())));
    }
}
