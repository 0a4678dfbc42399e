package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and hostile API requests against the real daemon, with its defaults for authentication (no token: TCP
 * read-only, changes through the unix socket) and a short request deadline. For each: the status and the error
 * message, the daemon alive, and a canary mapping still relaying byte-exact. Then 20 threads racing PUT and DELETE
 * on one endpoint, connections past the cap, the real CLI over the socket, and the peak RSS, printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CAP = 24;

    @TempDir
    Path dir;

    private Path socket;
    private InetSocketAddress tcp;

    /** One request as raw bytes, over TCP or the socket, and what it must get. */
    private record Case(String what, boolean overSocket, byte[] request, int status, String error) {
    }

    private record Answer(int status, String error, String raw) {
    }

    private static byte[] http(String method, String path, String contentType, byte[] body) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: portlocal\r\n"
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        return concat(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1), body);
    }

    private static byte[] put(String name, String json) {
        return http("PUT", "/v1/endpoints/" + name, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] raw(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String target(String ip, int port) {
        return "{\"ip\":\"" + ip + "\",\"ports\":[{\"port\":" + port + "}]}";
    }

    private Answer send(boolean overSocket, byte[] request) throws Exception {
        ExecutorService io = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> answer = io.submit(() -> overSocket ? viaSocket(request) : viaTcp(request));
            byte[] bytes = answer.get(20, TimeUnit.SECONDS);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int space = text.indexOf(' ');
            if (!text.startsWith("HTTP/1.1 ") || space < 0) {
                return new Answer(-1, "", text);
            }
            int status = Integer.parseInt(text.substring(space + 1, space + 4));
            int bodyAt = text.indexOf("\r\n\r\n");
            String error = "";
            if (bodyAt > 0 && bodyAt + 4 < text.length()) {
                JsonNode body = JSON.readTree(text.substring(bodyAt + 4));
                error = body.path("error").asText("");
            }
            return new Answer(status, error, text);
        } finally {
            io.shutdownNow();
        }
    }

    private byte[] viaTcp(byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(tcp, 5000);
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // answered and closed before the whole request went out (413): read what it said
            }
            return readAll(s.getInputStream());
        }
    }

    private byte[] viaSocket(byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try {
                ByteBuffer buf = ByteBuffer.wrap(request);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException e) {
                // as above
            }
            return readAll(java.nio.channels.Channels.newInputStream(ch));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0 && out.size() < 1 << 20; ) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // a reset after the answer: keep what came
        }
        return out.toByteArray();
    }

    /** Peak resident memory of {@code pid} in KiB, from /proc/PID/status. */
    static long peakRssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private List<Case> cases(int apiPort, PortRange range, int backend) {
        String big = "x".repeat(10_000);
        byte[] twoMib = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(twoMib, (byte) ' ');
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        String forbiddenTcp = "forbidden: the API is read-only over TCP without a token";
        List<Case> c = new ArrayList<>();
        c.add(new Case("PUT over TCP without a token", false, put("web", target("127.0.0.1", backend)), 403,
                forbiddenTcp));
        c.add(new Case("DELETE over TCP without a token", false, http("DELETE", "/v1/endpoints/canary", null,
                new byte[0]), 403, forbiddenTcp));
        c.add(new Case("POST over TCP without a token", false, http("POST", "/v1/endpoints/web", "application/json",
                new byte[0]), 403, forbiddenTcp));
        c.add(new Case("PUT over TCP with a made-up token", false, concat(raw("PUT /v1/endpoints/web HTTP/1.1\r\n"
                + "Host: x\r\nConnection: close\r\nAuthorization: Bearer guess\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n"), raw("{}")), 403, forbiddenTcp));
        c.add(new Case("a 2 MiB body", true, http("PUT", "/v1/endpoints/web", "application/json", twoMib), 413,
                "body: more than 1048576 bytes (expected: at most 1048576)"));
        c.add(new Case("a 2 MiB chunked body", true, concat(raw("PUT /v1/endpoints/web HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "200000\r\n"), concat(twoMib, raw("\r\n0\r\n\r\n"))), 413, "body: more than 1048576 bytes"));
        c.add(new Case("Expect: 100-continue with 1 GiB", true, raw("PUT /v1/endpoints/web HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                + "Content-Length: 1073741824\r\n\r\n"), 413, "body: more than 1048576 bytes"));
        c.add(new Case("text/plain", true, http("PUT", "/v1/endpoints/web", "text/plain",
                raw(target("127.0.0.1", backend))), 415, "text/plain"));
        c.add(new Case("application/xml", true, http("PUT", "/v1/endpoints/web", "application/xml",
                raw("<ip>127.0.0.1</ip>")), 415, "application/xml"));
        c.add(new Case("no content type", true, http("PUT", "/v1/endpoints/web", null,
                raw(target("127.0.0.1", backend))), 415, ""));
        c.add(new Case("invalid JSON", true, put("web", "{\"ip\":"), 400, ""));
        c.add(new Case("a JSON array", true, put("web", "[1,2,3]"), 400, ""));
        c.add(new Case("duplicate keys", true, put("web", "{\"ip\":\"127.0.0.1\",\"ip\":\"10.0.0.1\","
                + "\"ports\":[{\"port\":80}]}"), 400, "ip"));
        c.add(new Case("100,000-deep nesting", true, put("web", deep), 400, ""));
        c.add(new Case("invalid UTF-8", true, http("PUT", "/v1/endpoints/web", "application/json",
                new byte[] {'{', '"', 'i', 'p', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'}), 400, ""));
        c.add(new Case("an unknown field", true, put("web", "{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":80}],"
                + "\"evil\":true}"), 400, "evil"));
        c.add(new Case("a 10,000-character name", true, put(big, target("127.0.0.1", backend)), 414,
                "request line too long (expected: at most 4096 bytes)"));
        c.add(new Case("a 3,000-character name", true, put("y".repeat(3000), target("127.0.0.1", backend)), 400,
                "name"));
        c.add(new Case("a name with a NUL", true, put("a%00b", target("127.0.0.1", backend)), 400, "name"));
        c.add(new Case("9 KiB of headers", true, raw("GET /v1/mappings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "X-Junk: " + "j".repeat(9000) + "\r\n\r\n"), 431,
                "headers too large (expected: at most 8192 bytes)"));
        c.add(new Case("the metadata service", true, put("metadata", target("169.254.169.254", 80)), 400,
                "ip: 169.254.169.254 (expected: not link-local (169.254.0.0/16, which holds the cloud metadata "
                        + "service 169.254.169.254))"));
        c.add(new Case("the metadata service, IPv4-mapped", true, put("metadata",
                target("::ffff:169.254.169.254", 80)), 400, "ip: 169.254.169.254 (expected: not link-local"));
        c.add(new Case("the API's own address", true, put("self", target("127.0.0.1", apiPort)), 400,
                "ports[0].port: " + apiPort + " (expected: not this daemon's own API, which listens on 127.0.0.1:"
                        + apiPort + ")"));
        c.add(new Case("one of its own node ports", true, put("loop", target("127.0.0.1", range.start())), 400,
                "the mapping would loop through itself"));
        c.add(new Case("0.0.0.0", true, put("zero", target("0.0.0.0", 80)), 400,
                "ip: 0.0.0.0 (expected: not unspecified"));
        c.add(new Case("multicast", true, put("mc", target("224.0.0.1", 80)), 400,
                "ip: 224.0.0.1 (expected: a unicast address, not multicast"));
        c.add(new Case("broadcast", true, put("bc", target("255.255.255.255", 80)), 400,
                "ip: 255.255.255.255 (expected: a unicast address, not the broadcast address)"));
        c.add(new Case("port 70000", true, put("p", target("127.0.0.1", 70000)), 400, "ports[0].port"));
        c.add(new Case("a node port outside the range", true, put("p", "{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":"
                + backend + ",\"nodePort\":1}]}"), 400, "nodePort"));
        c.add(new Case("a host name for ip", true, put("h", target("metadata.google.internal", 80)), 400, "ip"));
        c.add(new Case("TLS bytes on plain HTTP", true, new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00,
                0x00, (byte) 0xa1, 0x03, 0x03, '\r', '\n', '\r', '\n'}, 400, "malformed HTTP request"));
        c.add(new Case("a bad Content-Length", true, raw("PUT /v1/endpoints/web HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n"), 400,
                "malformed HTTP request"));
        c.add(new Case("a made-up method", true, http("BREW", "/v1/endpoints/web", null, new byte[0]), 405,
                "BREW"));
        c.add(new Case("a path outside the API", true, http("GET", "/../../etc/passwd", null, new byte[0]), 404,
                ""));
        c.add(new Case("an unterminated chunked body", false, raw("PUT /v1/endpoints/web HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n{\"ip\":"), 408,
                "request timeout: no whole request within 2s"));
        c.add(new Case("headers that never end", false, raw("GET /v1/mappings HTTP/1.1\r\nHost: x\r\nX-A: b\r\n"),
                408, "request timeout: no whole request within 2s"));
        return c;
    }

    @Test
    void malformedRequestsGetTheirErrorAndTheCanaryKeepsServing() throws Exception {
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            int backend = echo.address().getPort();
            PortRange range = InProcessDaemons.range(5);
            int apiPort = FreePorts.next();
            tcp = new InetSocketAddress("127.0.0.1", apiPort);
            socket = dir.resolve("api.sock");
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n" + CanaryDaemon.entry("canary", "127.0.0.1", backend,
                    range.start()));
            try (DaemonProcess d = CanaryDaemon.start(dir, mappings, range, "127.0.0.1:" + apiPort,
                    "--api-socket", socket.toString(), "--api-request-timeout", "2s",
                    "--api-max-connections", Integer.toString(CAP))) {
                CanaryDaemon.assertEchoes(range.start());
                List<Case> cases = cases(apiPort, range, backend);
                assertTrue(cases.size() >= 30, cases.size() + " cases");
                StringBuilder report = new StringBuilder();
                for (Case c : cases) {
                    Answer a = send(c.overSocket(), c.request());
                    report.append(String.format("%-40s %d %s%n", c.what(), a.status(), a.error()));
                    assertEquals(c.status(), a.status(), c.what() + ": " + a.raw());
                    assertTrue(a.error().contains(c.error()), c.what() + ": " + a.error());
                    assertTrue(d.isAlive(), c.what() + ": the daemon died:\n" + d.output());
                    CanaryDaemon.assertEchoes(range.start());
                }
                ApiClient api = new ApiClient(new ApiAddress.Unix(socket), Optional.empty(), Duration.ofSeconds(10));
                assertEquals("[\"canary\"]", JSON.writeValueAsString(names(api)), "nothing else was created");

                racePutAndDelete(api, backend);
                connectionsPastTheCap(api);
                cliOverTheSocket(api, backend);

                String metrics = api.get("/metrics").text();
                // The two slow requests, and the 100-continue refused with 413 whose body never came.
                assertTrue(metrics.contains("portlocal_api_request_timeouts_total 3.0"), metrics);
                assertTrue(metrics.contains("portlocal_api_connections_refused_total 5.0"), metrics);
                CanaryDaemon.assertEchoes(range.start());
                long peak = peakRssKib(d.pid());
                System.out.println("HostileApiIT: " + cases.size() + " requests\n" + report
                        + "HostileApiIT: peak RSS (VmHWM) " + peak / 1024 + " MiB");
                assertTrue(peak < 512 * 1024, "peak RSS " + peak + " KiB");
                assertEquals(0, d.terminate(CanaryDaemon.WAIT), d.output());
            }
        }
    }

    private static List<String> names(ApiClient api) throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode e : api.get("/v1/endpoints").json()) {
            names.add(e.path("name").asText());
        }
        return names;
    }

    /** 20 threads, 10 PUTs or DELETEs each on one name: every answer is a success, and the end state is whole. */
    private void racePutAndDelete(ApiClient api, int backend) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(20);
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        byte[] body = target("127.0.0.1", backend).getBytes(StandardCharsets.UTF_8);
        for (int t = 0; t < 20; t++) {
            boolean putter = t % 2 == 0;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 10; i++) {
                    statuses.add((putter ? api.put("/v1/endpoints/race", body)
                            : api.delete("/v1/endpoints/race")).status());
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(Set.of(200, 201, 404).containsAll(statuses), "only successes and not-found: " + statuses);
        ApiClient.Response last = api.get("/v1/endpoints/race");
        if (last.status() == 200) {
            int nodePort = last.json().at("/ports/0/nodePort").asInt();
            CanaryDaemon.assertEchoes(nodePort);
            assertEquals(200, api.delete("/v1/endpoints/race").status());
        } else {
            assertEquals(404, last.status(), last.toString());
        }
    }

    /** {@value #CAP} idle connections fill the TCP listener; 5 more are closed at once; the socket still serves. */
    private void connectionsPastTheCap(ApiClient api) throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                Socket s = new Socket();
                s.connect(tcp, 5000);
                held.add(s);
            }
            Thread.sleep(200);
            for (int i = 0; i < 5; i++) {
                try (Socket extra = new Socket()) {
                    extra.connect(tcp, 5000);
                    extra.setSoTimeout(10_000);
                    assertEquals(-1, extra.getInputStream().read(), "closed at once");
                }
            }
            assertEquals(200, api.get("/healthz").status(), "the socket has a cap of its own");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** The real CLI, as a process, writes through the socket; over TCP it is refused with a hint. */
    private void cliOverTheSocket(ApiClient api, int backend) throws Exception {
        ProcessBuilder cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", DaemonProcess.jar().toString(), "endpoints", "put", "cli/web", "--ip", "127.0.0.1",
                "--port", Integer.toString(backend), "--api", "unix:" + socket).redirectErrorStream(true);
        Process p = cli.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        ApiClient.Response created = api.get("/v1/endpoints/cli/web");
        assertEquals(200, created.status(), created.toString());
        CanaryDaemon.assertEchoes(created.json().at("/ports/0/nodePort").asInt());

        Process refused = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", DaemonProcess.jar().toString(), "endpoints", "delete", "cli/web", "--api",
                "127.0.0.1:" + tcp.getPort()).redirectErrorStream(true).start();
        String err = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(refused.waitFor(30, TimeUnit.SECONDS));
        assertTrue(refused.exitValue() != 0, err);
        assertTrue(err.contains("is read-only here (403: forbidden"), err);
        assertEquals(200, api.get("/v1/endpoints/cli/web").status(), "still there");
        assertEquals(200, api.delete("/v1/endpoints/cli/web").status());
    }
}
