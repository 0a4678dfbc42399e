package dev.portlocal.cli;

import com.sun.net.httpserver.HttpServer;
import dev.portlocal.api.ApiAddress;
import dev.portlocal.daemon.Daemon;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.model.Durations;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code portlocal demo}: the daemon on its built-in defaults, with a small HTTP backend on loopback mapped
 * through a node port. It checks the path itself, then prints the {@code curl} line and keeps serving.
 */
@Command(name = "demo", description = "Start a loopback HTTP backend, map it to a node port, and print the curl "
        + "line that reaches it. Ctrl-C stops.")
final class DemoCommand implements Callable<Integer> {

    private static final String GREETING = "hello from the portlocal demo backend\n";

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "Stop by itself after this long (default: run until Ctrl-C).")
    String duration;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration limit = duration == null ? null : Durations.parse("duration", duration);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer backend = HttpServer.create(new InetSocketAddress(loopback, 0), 64);
        backend.createContext("/", exchange -> {
            byte[] body = GREETING.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        backend.start();
        Path dir = Files.createTempDirectory("portlocal-demo");
        Path mappingFile = dir.resolve("endpoints.yaml");
        Files.writeString(mappingFile, "endpoints:\n"
                + "  - name: demo/hello\n"
                + "    ip: 127.0.0.1\n"
                + "    ports:\n"
                + "      - port: " + backend.getAddress().getPort() + "\n"
                + "        protocol: tcp\n");
        // The built-in defaults, except that the demo listens on loopback only, keeps its state in a temp dir and
        // lets the kernel choose the API's port, so it never collides with a daemon already running.
        DaemonConfig cfg = DaemonConfig.builder()
                .mappingsFile(mappingFile)
                .portRange(PortRange.DEFAULT)
                .listenAddresses(List.of(loopback))
                .stateDir(dir.resolve("state"))
                .api(new ApiAddress.Tcp(new InetSocketAddress(loopback, 0)))
                // Ctrl-C ends a demo at once: nothing it relays is worth waiting 30 s for.
                .drainTimeout(Duration.ofSeconds(1))
                .build();
        Daemon daemon = new Daemon(cfg);
        try {
            daemon.start();
            MappingStatus m = daemon.service().mappings().get(0);
            if (m.state() != MappingState.LISTENING || m.nodePort().isEmpty()) {
                err.println("portlocal demo: mapping not listening: " + m.state() + " " + m.message());
                return ExitCodes.FAILURE;
            }
            int nodePort = m.nodePort().getAsInt();
            String url = "http://127.0.0.1:" + nodePort + "/";
            String answer = fetch(url);
            out.println();
            out.println("portlocal demo: backend 127.0.0.1:" + backend.getAddress().getPort()
                    + " is mapped to node port " + nodePort + " (range " + cfg.portRange() + "), listening on "
                    + loopback.getHostAddress() + ":" + nodePort + " (loopback only).");
            out.println("Self-check through the node port answered: " + answer.trim());
            out.println();
            out.println("Try it:");
            out.println("  curl " + url);
            out.println();
            out.println("  " + self() + " mappings --api " + daemon.apiAddress());
            out.println();
            out.println("The mapping file is " + mappingFile + "; edit it and the daemon applies the change within "
                    + "a second. The HTTP API is at http://" + daemon.apiAddress() + "/v1/mappings.");
            out.println(limit == null ? "Ctrl-C stops the demo." : "The demo stops by itself after " + duration + ".");
            out.flush();
            RunCommand.installSignalHandlers(daemon);
            if (limit == null) {
                daemon.awaitStopped();
            } else {
                Thread.sleep(limit.toMillis());
                daemon.stop();
            }
            return ExitCodes.OK;
        } finally {
            daemon.stop();
            backend.stop(0);
            deleteTree(dir);
        }
    }

    /**
     * How to run this CLI again from here: {@code portlocal} under the packaged wrapper (which sets
     * {@code PORTLOCAL_COMMAND}), else {@code java -jar} and the jar's path, relative if it is below the working
     * directory, so the printed lines work in a checkout.
     */
    static String self() {
        String wrapper = System.getenv("PORTLOCAL_COMMAND");
        if (wrapper != null && !wrapper.isBlank()) {
            return wrapper;
        }
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) {
                return "portlocal";
            }
            Path cwd = Path.of("").toAbsolutePath();
            return "java -jar " + (jar.startsWith(cwd) ? cwd.relativize(jar) : jar);
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return "portlocal";
        }
    }

    private static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A temp dir left behind is harmless; the OS cleans /tmp.
        }
    }

    private static String fetch(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setRequestProperty("Connection", "close");
        c.setConnectTimeout(3000);
        c.setReadTimeout(3000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }
}
