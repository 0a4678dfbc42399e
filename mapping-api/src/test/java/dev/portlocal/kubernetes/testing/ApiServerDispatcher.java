package dev.portlocal.kubernetes.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD dispatcher, made to behave as a real API server in the three places the Kubernetes source relies
 * on and the mock does not:
 * <ul>
 *   <li>a {@code spec.nodeName=<node>} field selector on Pods (lists and watches) is honoured; the mock supports
 *       only {@code metadata.name} and {@code metadata.namespace} and returns nothing. A watch sees a Pod start
 *       matching as ADDED and stop matching as DELETED, as the API server's watch cache reports it;</li>
 *   <li>a JSON merge patch through {@code pods/status} applies metadata changes too (labels, annotations), keeping
 *       the spec, the owner references and the deletion timestamp, as the Pod status strategy does; the mock
 *       applies only {@code .status}. It costs what it costs a real API server, a look-up by name: the mock finds
 *       an object by scanning its whole store, twice per update (8 ms a patch with 1,100 Pods, measured);</li>
 *   <li>{@link #expireWatches} ends every open watch with a 410 Gone ERROR event, as an API server does when a
 *       watch's resourceVersion has been compacted; the mock never sends one.</li>
 * </ul>
 * It also counts requests by shape (method and path), and by caller, for tests that check which calls the code
 * makes, and the time it spends serving each method ({@link #served}).
 *
 * <p>Threading: the mock serves every connection on one Vert.x event loop; requests that change the store also
 * hold one lock here, so that a {@code pods/status} patch (read, merge, write) is atomic against the others.
 */
public class ApiServerDispatcher extends KubernetesCrudDispatcher {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern POD_STATUS = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/status");
    private static final String NODE_NAME = "spec.nodeName";

    private final Set<FilteringSocket> openWatches = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> shapesByCaller = new ConcurrentHashMap<>();
    private final Map<String, LongAdder[]> served = new ConcurrentHashMap<>();
    /** Held by every request that changes the store, so that a patch's read, merge and write are one step. */
    private final Object writes = new Object();
    /** Where each Pod patched through {@code pods/status} is filed in the mock's store: its path to its key. */
    private final Map<String, AttributeSet> podKeys = new ConcurrentHashMap<>();

    /** A request header naming the test's client that sent it (see {@link MockApiServer#client(String)}). */
    public static final String CALLER = "X-Test-Caller";

    /**
     * How many requests had this shape: {@code "GET /api/v1/pods"} for lists, {@code "GET /api/v1/pods watch"} for
     * watches, {@code "PATCH /api/v1/namespaces/shop/pods/web-1/status"}.
     */
    public int calls(String shape) {
        AtomicInteger count = calls.get(shape);
        return count == null ? 0 : count.get();
    }

    /** Every request shape (see {@link #calls}) that {@code caller} sent, for checking which calls code makes. */
    public Set<String> callShapes(String caller) {
        return Set.copyOf(shapesByCaller.getOrDefault(caller, Set.of()));
    }

    /**
     * Requests of {@code method} served (watches excluded) and the nanoseconds spent in this dispatcher on them,
     * from the request read to the response composed: the server's own cost, without the network or the queue.
     */
    public long[] served(String method) {
        LongAdder[] counters = served.get(method);
        return counters == null ? new long[2] : new long[] {counters[0].sum(), counters[1].sum()};
    }

    /** How many watches are open now. */
    public int openWatches() {
        return openWatches.size();
    }

    /** Ends every open watch as a compacted resourceVersion does: an ERROR event with status 410, then close. */
    public int expireWatches() {
        int expired = 0;
        for (FilteringSocket socket : List.copyOf(openWatches)) {
            socket.expire();
            expired++;
        }
        return expired;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        int query = path.indexOf('?');
        boolean watch = query >= 0 && path.substring(query).contains("watch=true");
        String shape = request.getMethod() + " " + (query < 0 ? path : path.substring(0, query))
                + (watch ? " watch" : "");
        calls.computeIfAbsent(shape, k -> new AtomicInteger()).incrementAndGet();
        String caller = request.getHeader(CALLER);
        if (caller != null) {
            shapesByCaller.computeIfAbsent(caller, k -> ConcurrentHashMap.newKeySet()).add(shape);
        }
        if (watch) {
            return super.dispatch(request);
        }
        long start = System.nanoTime();
        try {
            if (request.getMethod().equals("GET")) {
                return super.dispatch(request);
            }
            synchronized (writes) {
                return super.dispatch(request);
            }
        } finally {
            LongAdder[] counters = served.computeIfAbsent(request.getMethod(),
                    k -> new LongAdder[] {new LongAdder(), new LongAdder()});
            counters[0].increment();
            counters[1].add(System.nanoTime() - start);
        }
    }

    @Override
    public MockResponse handleGet(String path) {
        Selector selector = Selector.of(path);
        MockResponse response = super.handleGet(selector.remainingPath);
        WebSocketListener listener = response.getWebSocketListener();
        if (listener != null) {
            // Every watch goes through the wrapper, so that expireWatches() reaches each one.
            return new MockResponse().withWebSocketUpgrade(new FilteringListener(listener, selector.nodeName));
        }
        if (selector.nodeName == null || response.code() != 200) {
            return response;
        }
        JsonNode list = read(response.getBody().readUtf8());
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode item : list.path("items")) {
            if (selector.nodeName.equals(item.path("spec").path("nodeName").asText(null))) {
                kept.add(item);
            }
        }
        ((ObjectNode) list).set("items", kept);
        return new MockResponse().setResponseCode(200).setBody(list.toString());
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        String path = request.getPath();
        int query = path.indexOf('?');
        Matcher status = POD_STATUS.matcher(query < 0 ? path : path.substring(0, query));
        String contentType = request.getHeader("Content-Type");
        if (!status.matches() || contentType == null || !contentType.contains("merge-patch")) {
            return super.handlePatch(request);
        }
        String podPath = "/api/v1/namespaces/" + status.group(1) + "/pods/" + status.group(2);
        JsonNode patch = read(request.getUtf8Body());
        synchronized (writes) {
            return patchPodStatus(podPath, patch);
        }
    }

    /**
     * A {@code pods/status} merge patch at the cost a real API server has: the Pod found by name (the mock finds
     * it by scanning its whole store and would then scan it again to update it), the patch applied, the stored
     * object replaced and the watch event sent in one step. Called holding {@link #writes}.
     */
    private MockResponse patchPodStatus(String podPath, JsonNode patch) {
        AttributeSet pathKey = getKey(podPath);
        AttributeSet key = podKeys.get(podPath);
        String stored = key == null ? null : map.get(key);
        if (stored == null) {
            // Not indexed yet, or changed by a request that went through the mock's own handlers.
            Map.Entry<AttributeSet, String> entry;
            synchronized (map) {
                entry = findResource(pathKey);
            }
            if (entry == null) {
                podKeys.remove(podPath);
                return new MockResponse().setResponseCode(404);
            }
            key = entry.getKey();
            stored = entry.getValue();
        }
        JsonNode before = read(stored);
        JsonNode precondition = patch.path("metadata").path("resourceVersion");
        if (precondition.isTextual() && !precondition.asText().equals(before.path("metadata")
                .path("resourceVersion").asText())) {
            return new MockResponse().setResponseCode(409).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                    + "\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}");
        }
        JsonNode after = mergePatch(before.deepCopy(), patch);
        // The Pod status strategy: the spec, the owner references and the deletion timestamp stay as they were,
        // and so do the fields the server owns.
        ((ObjectNode) after).set("spec", before.get("spec"));
        ObjectNode metadata = (ObjectNode) after.path("metadata");
        for (String field : List.of("ownerReferences", "deletionTimestamp", "name", "namespace", "uid",
                "creationTimestamp", "resourceVersion", "generation")) {
            copy(before.path("metadata"), metadata, field);
        }
        if (!after.equals(before)) {
            metadata.put("resourceVersion", String.valueOf(requestResourceVersion()));
        }
        String json = after.toString();
        processEvent(podPath, pathKey, key, null, json);
        AttributeSet newKey = ((KubernetesAttributesExtractor) attributeExtractor).fromResource(json);
        // As the mock files it (see processEvent): an index that misses is found again by a scan above.
        podKeys.put(podPath, newKey.containsKey(KubernetesAttributesExtractor.PLURAL) ? newKey
                : AttributeSet.merge(pathKey, newKey));
        return new MockResponse().setResponseCode(200).setBody(json);
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field));
        } else {
            to.remove(field);
        }
    }

    /** RFC 7386. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request's {@code spec.nodeName} requirement, and the path without it. */
    private record Selector(String nodeName, String remainingPath) {
        static Selector of(String path) {
            int query = path.indexOf('?');
            if (query < 0 || !path.substring(0, query).matches("/api/v1(/namespaces/[^/]+)?/pods")) {
                return new Selector(null, path);
            }
            String nodeName = null;
            List<String> params = new ArrayList<>();
            for (String param : path.substring(query + 1).split("&")) {
                if (!param.startsWith("fieldSelector=")) {
                    params.add(param);
                    continue;
                }
                List<String> kept = new ArrayList<>();
                String value = URLDecoder.decode(param.substring("fieldSelector=".length()), StandardCharsets.UTF_8);
                for (String requirement : value.split(",")) {
                    String[] parts = requirement.split("==?", 2);
                    if (parts.length == 2 && parts[0].trim().equals(NODE_NAME)) {
                        nodeName = parts[1].trim();
                    } else {
                        kept.add(requirement);
                    }
                }
                if (!kept.isEmpty()) {
                    params.add("fieldSelector=" + URLEncoder.encode(String.join(",", kept), StandardCharsets.UTF_8));
                }
            }
            String rest = path.substring(0, query) + (params.isEmpty() ? "" : "?" + String.join("&", params));
            return new Selector(nodeName, rest);
        }
    }

    /**
     * Passes the mock's watch events through a {@code spec.nodeName} filter, as the API server's watch does; with
     * no node name, passes them as they are.
     */
    private final class FilteringListener extends WebSocketListener {
        private final WebSocketListener delegate;
        private final String nodeName;
        private final Map<WebSocket, FilteringSocket> sockets = new ConcurrentHashMap<>();

        FilteringListener(WebSocketListener delegate, String nodeName) {
            this.delegate = delegate;
            this.nodeName = nodeName;
        }

        private FilteringSocket wrap(WebSocket socket) {
            return sockets.computeIfAbsent(socket, s -> new FilteringSocket(s, nodeName));
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
            delegate.onBeforeAccept(wrap(webSocket), response);
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            FilteringSocket socket = wrap(webSocket);
            openWatches.add(socket);
            delegate.onOpen(socket, response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            delegate.onMessage(wrap(webSocket), text);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            delegate.onClosing(wrap(webSocket), code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            openWatches.remove(wrap(webSocket));
            delegate.onClosed(wrap(webSocket), code, reason);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            openWatches.remove(wrap(webSocket));
            delegate.onFailure(wrap(webSocket), t, response);
        }
    }

    /** One watch connection: translates events by whether the Pod is on the node now and was before. */
    private static final class FilteringSocket implements WebSocket {
        private final WebSocket socket;
        private final String nodeName;
        private final Set<String> matching = new HashSet<>();

        FilteringSocket(WebSocket socket, String nodeName) {
            this.socket = socket;
            this.nodeName = nodeName;
        }

        @Override
        public RecordedRequest request() {
            return socket.request();
        }

        @Override
        public synchronized boolean send(String text) {
            JsonNode event = read(text);
            String type = event.path("type").asText();
            JsonNode object = event.path("object");
            if (nodeName == null || !object.path("kind").asText().equals("Pod")) {
                return socket.send(text);
            }
            String key = object.path("metadata").path("namespace").asText() + "/"
                    + object.path("metadata").path("name").asText();
            boolean matches = nodeName.equals(object.path("spec").path("nodeName").asText(null));
            boolean matched = matching.contains(key);
            String translated;
            if (type.equals("DELETED")) {
                translated = matched ? "DELETED" : null;
                matching.remove(key);
            } else if (matches) {
                translated = matched ? "MODIFIED" : "ADDED";
                matching.add(key);
            } else {
                translated = matched ? "DELETED" : null;
                matching.remove(key);
            }
            if (translated == null) {
                return true;
            }
            ((ObjectNode) event).put("type", translated);
            return socket.send(event.toString());
        }

        @Override
        public boolean send(byte[] bytes) {
            return send(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public boolean close(int code, String reason) {
            return socket.close(code, reason);
        }

        synchronized void expire() {
            socket.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                    + "\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\","
                    + "\"code\":410}}");
            socket.close(1000, "expired");
        }
    }
}
