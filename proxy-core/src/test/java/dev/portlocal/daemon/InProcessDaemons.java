package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A JUnit 5 extension that starts real daemons in this JVM: node ports and the API on loopback, the API on port 0,
 * one event loop, a random slice of the default port range so parallel runs rarely meet. The API trusts every
 * TCP client ({@code apiInsecure}), since these tests write over TCP; a test of the default sets it false. Every
 * daemon started is stopped after each test.
 */
final class InProcessDaemons implements AfterEachCallback {

    private final List<Daemon> started = new ArrayList<>();

    /** A random slice of {@code size} ports of the default range. */
    static PortRange range(int size) {
        int start = 61000 + ThreadLocalRandom.current().nextInt(0, 1000 - size);
        return new PortRange(start, start + size - 1);
    }

    /** The defaults above, then {@code customize}; the daemon is started. */
    Daemon start(Consumer<DaemonConfig.Builder> customize) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        DaemonConfig.Builder b = DaemonConfig.builder()
                .listenAddresses(List.of(loopback))
                .api(new ApiAddress.Tcp(new InetSocketAddress(loopback, 0)))
                .apiInsecure(true)
                .threads(1)
                .drainTimeout(Duration.ofSeconds(5));
        customize.accept(b);
        Daemon daemon = new Daemon(b.build());
        started.add(daemon);
        daemon.start();
        return daemon;
    }

    static ApiClient client(Daemon daemon) {
        return client(daemon, null);
    }

    static ApiClient client(Daemon daemon, String token) {
        return new ApiClient(daemon.apiAddress(), Optional.ofNullable(token), Duration.ofSeconds(10));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        started.clear();
    }
}
