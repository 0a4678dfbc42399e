package dev.portlocal.api;

import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.FailureKind;
import dev.portlocal.control.MappingService;
import dev.portlocal.control.Refusal;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.Source;
import dev.portlocal.state.RestoredEndpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The endpoints created through the API: the whole desired state of {@link Source#API}. A PUT goes through
 * {@link MappingService#put}, which changes that one endpoint and keeps the others; a DELETE applies the rest.
 *
 * <p>A PUT is all or nothing: the service decides first whether every port of the endpoint can listen (the name not
 * owned by the mapping file, pins free, ports left in the range) and refuses before it opens anything if not; it
 * binds what is new before it closes what the endpoint gives up. So a 200 or 201 means every port listens, and a
 * refusal changed nothing (see {@link MappingService#put} for the listeners a bind lost to another process in
 * between can close and reopen). Endpoints of the mapping file and
 * of Kubernetes are read-only here.
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

    /** What a PUT did, or why it did nothing. */
    public sealed interface PutResult {
        /** The endpoint is new, and every port of it listens. */
        record Created() implements PutResult {
        }

        /** The endpoint replaced one of the same name (or was the same), and every port of it listens. */
        record Updated() implements PutResult {
        }

        /** Nothing changed, and why. */
        record Refused(Refusal refusal) implements PutResult {
            public Refused {
                requireNonNull(refusal, "refusal");
            }
        }
    }

    /**
     * Rebuilds the API's endpoints from the entries restored for {@link Source#API} and applies them. Call once,
     * after {@link MappingService#restore} and before serving mutations.
     */
    public ApplyResult restore() {
        for (Endpoint endpoint : RestoredEndpoints.rebuild(service.restoredEntries(Source.API),
                "api_endpoint_restore_skipped")) {
            // An endpoint the target policy now refuses is left out (the service logs it), not shown as the API's.
            if (service.targetPolicy().refusal(endpoint).isEmpty()) {
                endpoints.put(endpoint.name(), endpoint);
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
     * Creates or replaces {@code endpoint}, all or nothing ({@link MappingService#put}): the service decides
     * first, so a refused PUT opens and closes nothing. Idempotent: the same definition again changes nothing.
     */
    public PutResult put(Endpoint endpoint) {
        String name = endpoint.name();
        Optional<Refusal> refusal = service.put(Source.API, endpoint);
        if (refusal.isPresent()) {
            log.atInfo().setMessage("api_endpoint_refused")
                    .addKeyValue("name", name)
                    .addKeyValue("kind", refusal.get().kind().wireName())
                    .addKeyValue("reason", refusal.get().message())
                    .log();
            return new PutResult.Refused(refusal.get());
        }
        Endpoint previous = endpoints.put(name, endpoint);
        if (!endpoint.equals(previous)) {
            log.atInfo().setMessage(previous == null ? "api_endpoint_created" : "api_endpoint_updated")
                    .addKeyValue("name", name)
                    .addKeyValue("ip", endpoint.ips().stream().map(Addresses::format).collect(Collectors.joining(",")))
                    .addKeyValue("ports", endpoint.ports())
                    .log();
        }
        return previous == null ? new PutResult.Created() : new PutResult.Updated();
    }

    /**
     * Deletes the API endpoint {@code name}: its node ports stop listening before this returns, and their
     * connections drain.
     *
     * @return empty when deleted; a refusal if another source owns the name
     * @throws ApiException 404 if there is no such endpoint
     */
    public Optional<Refusal> delete(String name) {
        Optional<Source> owner = service.owner(name);
        if (owner.isPresent() && owner.get() != Source.API) {
            return Optional.of(new Refusal(FailureKind.OWNED_BY_OTHER_SOURCE, Optional.empty(),
                    "endpoint " + name + " is owned by source " + owner.get().wireName()));
        }
        if (!endpoints.containsKey(name)) {
            throw new ApiException(404, ApiError.of("endpoint " + name + " not found", "name", name));
        }
        endpoints.remove(name);
        service.apply(Source.API, List.copyOf(endpoints.values()));
        log.atInfo().setMessage("api_endpoint_deleted").addKeyValue("name", name).log();
        return Optional.empty();
    }
}
