package dev.portlocal.kubernetes.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.util.HashMap;

/**
 * The test's API server: fabric8's mock server in CRUD mode on loopback, with {@link ApiServerDispatcher}. It can
 * be stopped and started again on the same port with its objects kept, as an API server outage looks to a client.
 *
 * <p>Threading: start, stop and close from the test thread.
 */
public final class MockApiServer implements AutoCloseable {

    /** The mock logs every request through java.util.logging at info; held so that the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final ApiServerDispatcher dispatcher = new ApiServerDispatcher();
    private KubernetesMockServer server;
    private int port;

    public MockApiServer() {
        server = newServer();
        server.init(InetAddress.getLoopbackAddress(), 0);
        port = server.getPort();
    }

    private KubernetesMockServer newServer() {
        return new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    }

    public ApiServerDispatcher dispatcher() {
        return dispatcher;
    }

    public int port() {
        return port;
    }

    /** A client of this server (plain HTTP on loopback); it keeps working across {@link #stop} and {@link #start}. */
    public NamespacedKubernetesClient client() {
        return server.createClient();
    }

    /** As {@link #client()}, marking each request as sent by {@code caller} ({@link ApiServerDispatcher#CALLER}). */
    public NamespacedKubernetesClient client(String caller) {
        Interceptor mark = new Interceptor() {
            @Override
            public void before(BasicBuilder request, HttpRequest original, RequestTags tags) {
                request.header(ApiServerDispatcher.CALLER, caller);
            }
        };
        return server.createClient(builder -> builder.withHttpClientBuilderConsumer(
                http -> http.addOrReplaceInterceptor("test-caller", mark)));
    }

    /** Stops answering: connections are refused until {@link #start}. The objects are kept. */
    public synchronized void stop() {
        if (server != null) {
            server.destroy();
            server = null;
        }
    }

    /** Answers again on the same port, with the same objects. */
    public synchronized void start() {
        if (server == null) {
            server = newServer();
            server.init(InetAddress.getLoopbackAddress(), port);
        }
    }

    @Override
    public synchronized void close() {
        stop();
    }
}
