package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.portlocal.api.ApiViews.NodeIpView;
import dev.portlocal.control.FailureKind;
import dev.portlocal.control.MappingService;
import dev.portlocal.control.Refusal;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

import static java.util.Objects.requireNonNull;

/**
 * The API's routes, without any I/O: a request in, a response out. Order of checks: the probes are always open;
 * then authentication (401), the path (404), the method (405), readiness for changes (503), the content type (415)
 * and the body (400). A request that fails any check changes nothing.
 *
 * <p>Authentication ({@link ApiAccess}): a change through the unix socket needs nothing more, its file mode is the
 * credential. Over TCP a change needs {@code Authorization: Bearer <token>} (401 without it, or with a wrong one);
 * without a token configured, TCP is read-only (403) unless {@code --api-insecure}. Reads from this host are open;
 * reads from other hosts need the token.
 *
 * <p>Threading: not thread-safe; only the control executor calls {@link #handle}, which may block while node
 * ports open or close.
 */
public final class ApiRoutes {

    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);

    private static final String ENDPOINTS = "/v1/endpoints";
    private static final Set<String> READS = Set.of("GET", "HEAD");

    private final MappingService service;
    private final ApiEndpoints endpoints;
    private final EndpointBodyParser parser;
    private final NodeIps nodeIps;
    private final ApiAccess access;
    private final BooleanSupplier ready;
    private final String version;
    private final Optional<MetricsSource> metrics;
    private final Supplier<ReloadStatus> reloadStatus;
    /** Why the daemon is not fully working though started (a source not watched); set before serving. */
    private Supplier<List<String>> degraded = List::of;

    public ApiRoutes(MappingService service, ApiEndpoints endpoints, NodeIps nodeIps, ApiAccess access,
                     BooleanSupplier ready, String version) {
        this(service, endpoints, nodeIps, access, ready, version, Optional.empty());
    }

    /** With {@code metrics}, {@code GET /metrics} serves it, under the same token rule as every other read. */
    public ApiRoutes(MappingService service, ApiEndpoints endpoints, NodeIps nodeIps, ApiAccess access,
                     BooleanSupplier ready, String version, Optional<MetricsSource> metrics) {
        this(service, endpoints, nodeIps, access, ready, version, metrics, () -> null);
    }

    /** With {@code reloadStatus}, {@code GET /v1/info} shows how the last reload went (the daemon's). */
    public ApiRoutes(MappingService service, ApiEndpoints endpoints, NodeIps nodeIps, ApiAccess access,
                     BooleanSupplier ready, String version, Optional<MetricsSource> metrics,
                     Supplier<ReloadStatus> reloadStatus) {
        this.reloadStatus = requireNonNull(reloadStatus, "reloadStatus");
        this.metrics = requireNonNull(metrics, "metrics");
        this.service = requireNonNull(service, "service");
        this.endpoints = requireNonNull(endpoints, "endpoints");
        this.parser = new EndpointBodyParser(service.range(), service.targetPolicy());
        this.nodeIps = requireNonNull(nodeIps, "nodeIps");
        this.access = requireNonNull(access, "access");
        this.ready = requireNonNull(ready, "ready");
        this.version = requireNonNull(version, "version");
    }

    /**
     * With {@code reasons}, {@code /readyz} answers 503 naming them while there are any (e.g. the mapping file not
     * watched while its thread restarts); changes are not refused for them. Call before the server starts.
     */
    public ApiRoutes degradedBy(Supplier<List<String>> reasons) {
        this.degraded = requireNonNull(reasons, "reasons");
        return this;
    }

    /** Answers {@code request}; never throws. */
    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (ApiException e) {
            return error(e);
        } catch (RuntimeException e) {
            log.atWarn().setMessage("api_request_failed")
                    .addKeyValue("request", request)
                    .addKeyValue("error", e.toString())
                    .log();
            return error(new ApiException(500, ApiError.of("internal error: " + e)));
        }
    }

    /** The response for a failed request. */
    public static ApiResponse error(ApiException e) {
        return new ApiResponse(e.status(), ApiJson.write(e.error()), e.headers());
    }

    private ApiResponse route(ApiRequest request) {
        String method = request.method();
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.equals("/healthz")) {
            requireMethod(method, path, "GET");
            return json(200, new ApiViews.Status("ok"));
        }
        if (path.equals("/readyz")) {
            requireMethod(method, path, "GET");
            if (!ready.getAsBoolean()) {
                throw notReady();
            }
            List<String> reasons = degraded.get();
            if (!reasons.isEmpty()) {
                throw new ApiException(503, ApiError.of("not ready: " + String.join("; ", reasons)));
            }
            return json(200, new ApiViews.Status("ready"));
        }
        authenticate(request);
        if (path.equals("/metrics") && metrics.isPresent()) {
            requireMethod(method, path, "GET");
            MetricsSource.Exposition exposition = metrics.get().scrape(request.accept());
            ApiResponse response = new ApiResponse(200, exposition.body())
                    .withHeader("Content-Type", exposition.contentType());
            return acceptsGzip(request.acceptEncoding()) ? gzip(response) : response;
        }
        List<String> segments = segments(path);
        if (segments.size() >= 2 && segments.get(0).equals("v1")) {
            String resource = segments.get(1);
            List<String> rest = segments.subList(2, segments.size());
            switch (resource) {
                case "info":
                    if (rest.isEmpty()) {
                        requireMethod(method, path, "GET");
                        return json(200, info());
                    }
                    break;
                case "mappings":
                    if (rest.isEmpty()) {
                        requireMethod(method, path, "GET");
                        return json(200, ApiViews.rows(service.mappings(), nodeIps));
                    }
                    break;
                case "endpoints":
                    return endpoints(request, path, rest);
                case "ports":
                    if (rest.size() == 2) {
                        requireMethod(method, path, "GET");
                        return port(rest.get(0), rest.get(1));
                    }
                    break;
                default:
                    break;
            }
        }
        throw new ApiException(404, ApiError.of("no such path: " + path
                + " (expected: /v1/endpoints, /v1/mappings, /v1/ports/{nodePort}/{protocol}, /v1/info, /healthz"
                + (metrics.isPresent() ? ", /metrics" : "") + " or /readyz)", "path", path));
    }

    private ApiResponse endpoints(ApiRequest request, String path, List<String> rest) {
        String method = request.method();
        if (rest.isEmpty()) {
            requireMethod(method, path, "GET");
            return json(200, ApiViews.endpoints(service.mappings()));
        }
        boolean annotation = rest.size() >= 2 && rest.get(rest.size() - 1).equals("annotation");
        String name = String.join("/", annotation ? rest.subList(0, rest.size() - 1) : rest);
        if (annotation) {
            requireMethod(method, path, "GET");
        } else {
            requireMethod(method, path, "GET", "PUT", "DELETE");
        }
        if (!Endpoint.isValidName(name)) {
            throw new ApiException(400, ApiError.of("name: " + name + " (expected: " + Endpoint.NAME_EXPECTED + ")",
                    "name", name));
        }
        if (annotation) {
            return json(200, ApiViews.annotation(statuses(name), nodeIps));
        }
        switch (method) {
            case "PUT":
                return put(request, name);
            case "DELETE":
                requireReady();
                Optional<Refusal> refusal = endpoints.delete(name);
                if (refusal.isPresent()) {
                    throw refused(refusal.get(), name, Optional.empty(), "deleted");
                }
                return json(200, new ApiViews.Deleted(name));
            default:
                return json(200, ApiViews.endpoint(statuses(name)));
        }
    }

    private ApiResponse put(ApiRequest request, String name) {
        requireReady();
        requireJson(request);
        Endpoint endpoint = parser.parse(name, request.body());
        ApiEndpoints.PutResult result = endpoints.put(endpoint);
        if (result instanceof ApiEndpoints.PutResult.Refused refused) {
            throw refused(refused.refusal(), name, Optional.of(endpoint), "changed");
        }
        boolean created = result instanceof ApiEndpoints.PutResult.Created;
        ApiResponse response = json(created ? 201 : 200, ApiViews.endpoint(statuses(name)));
        return created ? response.withHeader("Location", ENDPOINTS + "/" + name) : response;
    }

    /**
     * The status for a refused change, by its kind: 409 for a conflict with what is there (the name belongs to
     * another source, a pinned port is held by another mapping or another process); 422 for an endpoint this
     * daemon's configuration cannot serve (a pin outside its port range, a bind refused for a reason other than a
     * holder: no listen address of the family, a permission); 503 for what may pass (no free port left); 400 for a
     * target the policy refuses (the body's reader refuses it first; this is for a put by other means).
     */
    static int status(FailureKind kind) {
        return switch (kind) {
            case TARGET_REFUSED -> 400;
            case OWNED_BY_OTHER_SOURCE, PIN_HELD, PIN_IN_USE -> 409;
            case PIN_OUT_OF_RANGE, BIND_FAILED -> 422;
            case NO_FREE_PORT -> 503;
        };
    }

    /**
     * The error for {@code refusal} of a change to endpoint {@code name}: it names the port the refusal is about,
     * as the PUT {@code body} listed it, or that port's {@code nodePort} when it is pinned (a pinned port can be
     * refused only for its pin).
     */
    private ApiException refused(Refusal refusal, String name, Optional<Endpoint> body, String verb) {
        int status = status(refusal.kind());
        if (refusal.kind() == FailureKind.OWNED_BY_OTHER_SOURCE) {
            Optional<Source> owner = service.owner(name);
            String where = owner.isEmpty() || owner.get() == Source.FILE ? "the mapping file"
                    : "source " + owner.get().wireName();
            return new ApiException(status, ApiError.of("endpoint " + name + " comes from " + where + " and cannot "
                    + "be " + verb + " through the API; edit " + where + " instead", "name", name));
        }
        if (refusal.key().isEmpty() || body.isEmpty()) {
            return new ApiException(status, ApiError.of(refusal.message(), "name", name));
        }
        MappingKey key = refusal.key().get();
        List<EndpointPort> ports = body.get().ports();
        int index = 0;
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).port() == key.port() && ports.get(i).protocol() == key.protocol()) {
                index = i;
            }
        }
        EndpointPort port = ports.get(index);
        if (port.nodePort().isPresent()) {
            String field = "ports[" + index + "].nodePort";
            return new ApiException(status, ApiError.of(field + ": " + refusal.message(), field,
                    IntNode.valueOf(port.nodePort().getAsInt())));
        }
        String field = "ports[" + index + "]";
        return new ApiException(status, ApiError.of(field + ": " + refusal.message(), field,
                ApiJson.mapper().createObjectNode().put("port", port.port()).put("protocol",
                        port.protocol().wireName())));
    }

    private ApiResponse port(String nodePortText, String protocolText) {
        int nodePort;
        try {
            nodePort = Integer.parseInt(nodePortText);
        } catch (NumberFormatException e) {
            nodePort = -1;
        }
        if (nodePort < 1 || nodePort > 65535) {
            throw new ApiException(400, ApiError.of("nodePort: " + nodePortText + " (expected: 1-65535)", "nodePort",
                    nodePortText));
        }
        Protocol protocol;
        try {
            protocol = Protocol.parse(protocolText);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, ApiError.of(e.getMessage(), "protocol", protocolText));
        }
        List<ApiViews.MappingRow> rows = new ArrayList<>();
        for (IpFamily family : IpFamily.values()) {
            Optional<MappingStatus> owner = service.byNodePort(nodePort, protocol, family);
            owner.ifPresent(status -> rows.add(ApiViews.row(status, nodeIps)));
        }
        if (rows.isEmpty()) {
            throw new ApiException(404, ApiError.of("no mapping holds node port " + nodePort + "/"
                    + protocol.wireName(), "nodePort", IntNode.valueOf(nodePort)));
        }
        return json(200, new ApiViews.PortOwner(nodePort, protocol.wireName(), rows));
    }

    private ApiViews.Info info() {
        PortRange range = service.range();
        Map<String, Map<String, Integer>> free = new LinkedHashMap<>();
        for (Protocol protocol : Protocol.values()) {
            Map<String, Integer> byFamily = new LinkedHashMap<>();
            for (IpFamily family : IpFamily.values()) {
                byFamily.put(family.name(), service.freePorts(protocol, family));
            }
            free.put(protocol.wireName(), byFamily);
        }
        List<NodeIpView> ips = new ArrayList<>();
        for (NodeIps.NodeIp ip : nodeIps.all()) {
            ips.add(new NodeIpView(ip.family().name(), Addresses.format(ip.ip()), ip.source()));
        }
        List<MappingStatus> all = service.mappings();
        int endpointCount = (int) all.stream().map(status -> status.key().endpoint()).distinct().count();
        return new ApiViews.Info(version, new ApiViews.PortRangeView(range.start(), range.end(), range.size()), free,
                ips, ready.getAsBoolean(), endpointCount, all.size(), access.token().isPresent(), reloadStatus.get());
    }

    /** The statuses of endpoint {@code name}; 404 if it has none. */
    private List<MappingStatus> statuses(String name) {
        List<MappingStatus> statuses = new ArrayList<>();
        for (MappingStatus status : service.mappings()) {
            if (status.key().endpoint().equals(name)) {
                statuses.add(status);
            }
        }
        if (statuses.isEmpty()) {
            throw new ApiException(404, ApiError.of("endpoint " + name + " not found", "name", name));
        }
        return statuses;
    }

    private void authenticate(ApiRequest request) {
        boolean change = !READS.contains(request.method());
        if (request.socket()) {
            return;
        }
        Optional<BearerToken> token = access.token();
        if (token.isEmpty()) {
            if (change && !access.insecure()) {
                throw new ApiException(403, ApiError.of("forbidden: the API is read-only over TCP without a token "
                        + "(expected: a change through the unix socket, e.g. portlocal --api unix:"
                        + ApiAddress.DEFAULT_SOCKET + ", or a daemon started with --api-token-file FILE and "
                        + "Authorization: Bearer <token>)", "Authorization", (JsonNode) null));
            }
            return;
        }
        if (!change && request.local() && request.authorization().isEmpty()) {
            return;
        }
        if (!token.get().matches(request.authorization())) {
            String why = request.authorization().isEmpty() ? "missing" : "wrong";
            String needed = change ? "every change over TCP" : "reads from other hosts";
            throw new ApiException(401, ApiError.of("unauthorized: " + why + " bearer token (" + needed
                    + " needs Authorization: Bearer <token>, or the unix socket)", "Authorization", (JsonNode) null),
                    Map.of("WWW-Authenticate", "Bearer realm=\"portlocal\""));
        }
    }

    private void requireReady() {
        if (!ready.getAsBoolean()) {
            throw notReady();
        }
    }

    private static ApiException notReady() {
        return new ApiException(503, ApiError.of("not ready: restoring state and loading the mapping file"));
    }

    private static void requireMethod(String method, String path, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(method)) {
                return;
            }
        }
        String list = String.join(", ", allowed);
        throw new ApiException(405, ApiError.of("method " + method + " not allowed on " + path + " (allowed: "
                + list + ")", "method", method), Map.of("Allow", list));
    }

    private static void requireJson(ApiRequest request) {
        String type = request.contentType().orElse("");
        String media = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new ApiException(415, ApiError.of("Content-Type: " + (type.isEmpty() ? "missing" : type)
                    + " (expected: application/json)", "Content-Type", type.isEmpty() ? null : type));
        }
    }

    private static ApiResponse json(int status, Object body) {
        return new ApiResponse(status, ApiJson.write(body));
    }

    /** The path's segments, percent-decoded one by one, so {@code ns%2Fpod} is one segment {@code ns/pod}. */
    static List<String> segments(String path) {
        if (!path.startsWith("/")) {
            throw new ApiException(400, ApiError.of("path: " + path + " (expected: an absolute path)", "path", path));
        }
        List<String> segments = new ArrayList<>();
        for (String raw : path.substring(1).split("/", -1)) {
            segments.add(percentDecode(path, raw));
        }
        return segments;
    }

    private static String percentDecode(String path, String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new ApiException(400, ApiError.of("path: " + path + " (expected: valid percent-encoding)",
                            "path", path));
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * True if {@code Accept-Encoding} lists gzip with a non-zero weight (as Prometheus sends
     * {@code Accept-Encoding: gzip}).
     */
    static boolean acceptsGzip(Optional<String> acceptEncoding) {
        if (acceptEncoding.isEmpty()) {
            return false;
        }
        for (String part : acceptEncoding.get().split(",")) {
            String[] coding = part.trim().split(";");
            if (!coding[0].trim().equalsIgnoreCase("gzip")) {
                continue;
            }
            for (int i = 1; i < coding.length; i++) {
                String param = coding[i].trim();
                if (param.startsWith("q=")) {
                    try {
                        return Double.parseDouble(param.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    private static ApiResponse gzip(ApiResponse response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, response.body().length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ApiResponse zipped = new ApiResponse(response.status(), out.toByteArray());
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            zipped = zipped.withHeader(h.getKey(), h.getValue());
        }
        return zipped.withHeader("Content-Encoding", "gzip");
    }
}
