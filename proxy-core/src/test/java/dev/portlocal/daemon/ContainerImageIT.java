package dev.portlocal.daemon;

import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Patterns;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image, built by {@code deploy/image/build.sh} (offline base) and run with podman as a DaemonSet
 * would run it: host network, read-only root, a mounted config directory and a mounted state directory. 64 MiB go
 * through a node port to a loopback backend and back; SIGTERM ({@code podman stop}) drains an open connection and
 * exits 0; a new container on the same state directory binds the same node port.
 *
 * <p>Skipped where podman, buildah, runc or debootstrap is missing, or when not root (debootstrap and rootful
 * podman), except on CI ({@code CI=true}), where {@code .ci/run} installs them and the test must run. The podman
 * settings this machine needs are in {@code deploy/image/containers.conf}.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ContainerImageIT {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    private static final long SIZE = 64L << 20;
    private static final Pattern NODE_PORT = Pattern.compile("\"nodePort\"\\s*:\\s*(\\d+)");

    @TempDir
    Path dir;

    private final List<String> containers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static boolean has(String command) {
        for (String p : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, command))) {
                return true;
            }
        }
        return false;
    }

    private record Result(int code, String output) {
    }

    /** Runs a command with the podman settings of this repository; output (both streams) goes through a file. */
    private Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = start(out, command);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command) + "\n"
                    + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static Process start(Path out, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        Map<String, String> env = pb.environment();
        env.putIfAbsent("CONTAINERS_CONF", ROOT.resolve("deploy/image/containers.conf").toString());
        return pb.start();
    }

    private String ok(Duration timeout, String... command) throws IOException, InterruptedException {
        Result r = run(timeout, command);
        assertEquals(0, r.code(), String.join(" ", command) + ":\n" + r.output());
        return r.output();
    }

    private String logs(String name) {
        try {
            return run(Duration.ofSeconds(30), "podman", "logs", name).output();
        } catch (IOException | InterruptedException e) {
            return "<no logs: " + e + ">";
        }
    }

    private String inspect(String name, String format) throws IOException, InterruptedException {
        return ok(Duration.ofSeconds(30), "podman", "inspect", "--format", format, name).trim();
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String name : containers) {
            run(Duration.ofSeconds(60), "podman", "rm", "--force", "--time", "0", name);
        }
    }

    /** podman run -d, as a DaemonSet runs the image: host network, read-only root, config and state mounted. */
    private String runContainer(String image, Path config, Path state) throws Exception {
        String name = "portlocal-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        containers.add(name);
        ok(Duration.ofSeconds(60), "podman", "run", "--detach", "--name", name,
                "--network", "host", "--ulimit", "host", "--read-only",
                "--volume", config + ":/etc/portlocal:ro",
                // :U gives the directory to the image's user (10001), as the DaemonSet's init container does.
                "--volume", state + ":/var/lib/portlocal:U",
                image);
        return name;
    }

    private int get(int apiPort, String path, StringBuilder body) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            body.setLength(0);
            body.append(r.body());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for /readyz to answer 200 and returns the one mapping's node port from /v1/mappings. */
    private int awaitReadyNodePort(String name, int apiPort) {
        StringBuilder body = new StringBuilder();
        Waits.until(() -> "/readyz of " + name + ":\n" + logs(name), Duration.ofSeconds(90), () -> {
            if (get(apiPort, "/readyz", body) == 200) {
                return true;
            }
            try {
                if (!"true".equals(inspect(name, "{{.State.Running}}"))) {
                    throw new AssertionError(name + " is not running:\n" + logs(name));
                }
                Thread.sleep(200);
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            return false;
        });
        assertEquals(200, get(apiPort, "/v1/mappings", body), body.toString());
        Matcher m = NODE_PORT.matcher(body);
        assertTrue(m.find() && body.indexOf("\"listening\"") >= 0, body.toString());
        return Integer.parseInt(m.group(1));
    }

    /** Sends {@code size} bytes through the node port to the echo backend and checks the SHA-256 of what returns. */
    private static void echo(int nodePort, long seed, long size) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nodePort)) {
            s.setSoTimeout(60_000);
            CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] digest = Patterns.send(s.getOutputStream(), seed, size);
                    s.shutdownOutput();
                    return digest;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            Patterns.Received back = Patterns.receive(s.getInputStream());
            assertEquals(size, back.bytes());
            assertArrayEquals(Patterns.expected(seed, size), sent.get(60, TimeUnit.SECONDS));
            assertArrayEquals(Patterns.expected(seed, size), back.digest(), "SHA-256 of the echoed bytes");
        }
    }

    private static void pingPong(Socket s, String word) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        byte[] bytes = word.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        assertArrayEquals(bytes, in.readNBytes(bytes.length), "echo of " + word);
    }

    @Test
    void theImageRelaysDrainsOnSigtermAndGetsItsNodePortBackFromTheMountedState() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "Linux only");
        // On CI (CI=true) nothing is skipped: .ci/run installs the tools, so a missing one fails the test.
        boolean ci = "true".equals(System.getenv("CI"));
        for (String tool : List.of("podman", "buildah", "runc", "debootstrap")) {
            Assumptions.assumeTrue(has(tool) || ci, tool + " is not installed: the container image is not built "
                    + "or run (.ci/run installs podman, buildah, runc and debootstrap)");
        }
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) || ci,
                "not root: the offline base needs debootstrap and the test runs rootful podman");

        Result build = run(Duration.ofSeconds(540), "bash", ROOT.resolve("deploy/image/build.sh").toString());
        assertEquals(0, build.code(), "deploy/image/build.sh:\n" + build.output());
        List<String> lines = build.output().lines().toList();
        String image = lines.get(lines.size() - 1).trim();
        assertEquals("portlocal:" + ContainerImageFilesTest.projectVersion(), image);
        assertEquals(ContainerImageFilesTest.projectVersion(), ok(Duration.ofSeconds(30), "podman", "image",
                "inspect", "--format", "{{index .Labels \"org.opencontainers.image.version\"}}", image).trim());
        String revision = ok(Duration.ofSeconds(30), "podman", "image", "inspect", "--format",
                "{{index .Labels \"org.opencontainers.image.revision\"}}", image).trim();
        assertTrue(revision.matches(Files.exists(ROOT.resolve(".git")) ? "[0-9a-f]{40}(-dirty)?" : "unknown"),
                "the revision label is the git commit: " + revision);

        try (BlockingBackend backend = BlockingBackend.start(s -> {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        })) {
            Path config = Files.createDirectories(dir.resolve("etc"));
            Path state = Files.createDirectories(dir.resolve("state"));
            int apiPort = FreePorts.next();
            // Above the default range (other daemons on this host use it) and the kernel's ephemeral ports.
            int low = 62100 + ThreadLocalRandom.current().nextInt(3000);
            Files.writeString(config.resolve("config.yaml"), "mappings: /etc/portlocal/endpoints.yaml\n"
                    + "portRange: " + low + "-" + (low + 49) + "\n"
                    + "listenAddresses: [127.0.0.1]\n"
                    + "api: 127.0.0.1:" + apiPort + "\n"
                    + "drainTimeout: 20s\n");
            Files.writeString(config.resolve("endpoints.yaml"), "endpoints:\n"
                    + "  - name: it/echo\n"
                    + "    ip: 127.0.0.1\n"
                    + "    ports:\n"
                    + "      - port: " + backend.address().getPort() + "\n"
                    + "        protocol: tcp\n");

            String first = runContainer(image, config, state);
            int nodePort = awaitReadyNodePort(first, apiPort);
            assertTrue(nodePort >= low && nodePort <= low + 49, "node port " + nodePort);
            assertEquals("10001:10001", inspect(first, "{{.Config.User}}"));
            echo(nodePort, 15, SIZE);
            String started = logs(first);
            assertFalse(started.contains("pipe_shim_unavailable"), "the JNI pipe shim loads:\n" + started);
            Path stateFile;
            try (var files = Files.list(state)) {
                stateFile = files.filter(f -> f.getFileName().toString().endsWith(".json")).findFirst()
                        .orElseThrow(() -> new AssertionError("no state file in the mounted directory"));
            }
            assertEquals(10001, Files.getAttribute(stateFile, "unix:uid"), "written by the image's user");

            // SIGTERM with a connection open: the node port stops accepting, the connection goes on, and once it
            // closes the daemon exits 0.
            Socket held = new Socket(InetAddress.getLoopbackAddress(), nodePort);
            Process stop;
            try {
                held.setSoTimeout(10_000);
                pingPong(held, "before");
                stop = start(Files.createTempFile(dir, "stop", ".txt"), "podman", "stop", "--time", "40", first);
                Waits.until(() -> "event=stopping in the logs:\n" + logs(first), Duration.ofSeconds(30),
                        () -> logs(first).contains("event=stopping"));
                Waits.until("the node port refuses new connections", Duration.ofSeconds(10),
                        () -> DrainIT.refused(nodePort));
                pingPong(held, "draining");
            } finally {
                held.close();
            }
            assertTrue(stop.waitFor(60, TimeUnit.SECONDS), "podman stop returns");
            assertEquals("0", inspect(first, "{{.State.ExitCode}}"), logs(first));
            String stopped = logs(first);
            assertTrue(stopped.contains("event=stopping") && stopped.contains("active=1"), stopped);
            assertTrue(stopped.contains("event=stopped"), stopped);

            String second = runContainer(image, config, state);
            assertEquals(nodePort, awaitReadyNodePort(second, apiPort), "the node port of the mounted state");
            echo(nodePort, 16, 1 << 20);
            ok(Duration.ofSeconds(60), "podman", "stop", "--time", "40", second);
            assertEquals("0", inspect(second, "{{.State.ExitCode}}"), logs(second));
            backend.rethrowFailures();
        }
    }
}
