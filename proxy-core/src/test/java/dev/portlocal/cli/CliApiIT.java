package dev.portlocal.cli;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.daemon.Daemon;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.portlocal.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's API clients against a daemon in this JVM: output, messages and exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliApiIT {

    @TempDir
    Path dir;

    private Daemon daemon;
    private String api;
    private String tokenFile;
    private PortRange range;

    @BeforeEach
    void start() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "t0ken\n");
        tokenFile = "--api-token-file=" + token;
        int start = 61000 + ThreadLocalRandom.current().nextInt(0, 980);
        range = new PortRange(start, start + 9);
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n  - name: from-file\n    ip: 127.0.0.1\n    ports:\n"
                + "      - port: " + FreePorts.refused() + "\n");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        daemon = new Daemon(DaemonConfig.builder()
                .portRange(range)
                .listenAddresses(List.of(loopback, InetAddress.getByName("::1")))
                .stateDir(dir.resolve("state"))
                .mappingsFile(mappings)
                .threads(1)
                .drainTimeout(Duration.ofSeconds(1))
                .api(new ApiAddress.Tcp(new InetSocketAddress(loopback, 0)))
                .apiTokenFile(token)
                .build());
        daemon.start();
        api = "--api=" + daemon.apiAddress();
    }

    @AfterEach
    void stop() {
        daemon.stop();
    }

    @Test
    void statusShowsTheDaemonAtAGlanceWithTrafficPerMapping() throws Exception {
        try (dev.portlocal.testing.BlockingBackend echo = dev.portlocal.testing.BlockingBackend.start(
                s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            CliTest.Run put = run("endpoints", "put", "shop/web", "--ip", "127.0.0.1", "--port",
                    echo.address().getPort() + "/tcp=" + (range.start() + 3), api, tokenFile);
            assertEquals(ExitCodes.OK, put.code(), put.err());
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), range.start() + 3)) {
                s.getOutputStream().write(new byte[2048]);
                s.shutdownOutput();
                assertEquals(2048, s.getInputStream().readAllBytes().length);
            }
            dev.portlocal.testing.Waits.until("the connection is counted as closed", Duration.ofSeconds(10),
                    () -> run("status", api, "-o", "json").out().contains("\"active\" : 0"));
            CliTest.Run status = run("status", api);
            assertEquals(ExitCodes.OK, status.code(), status.err());
            String out = status.out();
            assertTrue(out.startsWith("portlocal "), out);
            assertTrue(out.lines().findFirst().orElseThrow().matches("portlocal \\S+, up \\d+m \\d+s, ready"), out);
            assertTrue(out.contains("sources: api 1 endpoint, file 1 endpoint; last apply ok"), out);
            assertTrue(out.contains("mappings: 2 (listening 2)"), out);
            assertTrue(out.contains("free ports in " + range.start() + "-" + range.end() + ": tcp 8 IPv4"), out);
            String web = out.lines().filter(l -> l.startsWith("shop/web")).findFirst().orElseThrow();
            assertTrue(web.matches("shop/web\\s+" + echo.address().getPort() + "\\s+tcp\\s+" + (range.start() + 3)
                    + "\\s+listening\\s+0\\s+1\\s+2\\.0 KiB\\s+2\\.0 KiB"), web);
        }
    }

    @Test
    void putTakesADualStackEndpointAndEveryFieldOfAPortEntry() {
        CliTest.Run put = run("endpoints", "put", "shop/dual", "--ip", "127.0.0.1", "--ip", "::1",
                "--port", "8080", "--health-check", "{interval: 5s, rise: 3}", "--proxy-protocol", "v2",
                "--port", "9090/tcp=" + (range.start() + 6), "--health-check",
                "--port", "53/udp", "--idle-timeout", "30s", api, tokenFile, "-o", "json");
        assertEquals(ExitCodes.OK, put.code(), put.err());
        CliTest.Run get = run("endpoints", "get", "shop/dual", api, "-o", "json");
        assertEquals(ExitCodes.OK, get.code(), get.err());
        String out = get.out().replaceAll("\\s+", "");
        assertTrue(out.contains("\"ips\":[\"127.0.0.1\",\"::1\"]"), get.out());
        assertTrue(out.contains("{\"port\":8080,\"protocol\":\"tcp\",\"ipFamily\":\"IPv6\""), get.out());
        assertTrue(out.contains("\"healthCheck\":{\"interval\":\"5s\",\"timeout\":\"1s\",\"rise\":3,\"fall\":2}"),
                get.out());
        assertTrue(out.contains("{\"port\":9090,\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\",\"nodePort\":"
                + (range.start() + 6) + ",\"state\":\"listening\",\"message\":\"\","
                + "\"healthCheck\":{\"interval\":\"2s\",\"timeout\":\"1s\",\"rise\":2,\"fall\":2}}"), get.out());
        assertTrue(out.contains("{\"port\":53,\"protocol\":\"udp\",\"ipFamily\":\"IPv6\""), get.out());

        CliTest.Run wrongFamily = run("endpoints", "put", "shop/two", "--ip", "127.0.0.1", "--ip", "127.0.0.2",
                "--port", "80", api, tokenFile);
        assertEquals(ExitCodes.INVALID, wrongFamily.code(), wrongFamily.out());
        assertTrue(wrongFamily.err().startsWith("portlocal endpoints put: ips"), wrongFamily.err());
        CliTest.Run badCheck = run("endpoints", "put", "shop/two", "--ip", "127.0.0.1", "--port", "80",
                "--health-check", "{interval: 10ms}", api, tokenFile);
        assertEquals(ExitCodes.INVALID, badCheck.code(), badCheck.out());
        assertTrue(badCheck.err().startsWith("portlocal endpoints put: ports[0].healthCheck.interval: 10ms"),
                badCheck.err());
        CliTest.Run udpProxy = run("endpoints", "put", "shop/two", "--ip", "127.0.0.1", "--port", "53/udp",
                "--proxy-protocol", "v1", api, tokenFile);
        assertEquals(ExitCodes.INVALID, udpProxy.code(), udpProxy.out());
        assertTrue(udpProxy.err().startsWith("portlocal endpoints put: ports[0].proxyProtocol: v1"), udpProxy.err());
    }

    @Test
    void perPortPolicyOptionsOfPutReachTheDaemon() throws Exception {
        try (BlockingBackend headerEcho = BlockingBackend.start(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int b = in.read(), n = 0; b >= 0 && n < 200; b = in.read(), n++) {
                out.write(b);
                if (b == '\n') {
                    break;
                }
            }
            out.flush();
        })) {
            int nodePort = range.start() + 7;
            CliTest.Run put = run("endpoints", "put", "shop/policy", "--ip", "127.0.0.1",
                    "--port", headerEcho.address().getPort() + "/tcp=" + nodePort,
                    "--allow-from", "127.0.0.0/8,192.0.2.0/24", "--allow-from", "198.51.100.0/24",
                    "--max-connections", "7", "--connect-timeout", "2s", "--idle-timeout", "45s",
                    "--access-log", "false", "--proxy-protocol", "v1",
                    "--port", "53/udp", "--allow-from", "127.0.0.1/32", "--max-connections", "3",
                    "--idle-timeout", "2m", api, tokenFile);
            assertEquals(ExitCodes.OK, put.code(), put.err());
            CliTest.Run get = run("endpoints", "get", "shop/policy", api, "-o", "json");
            assertEquals(ExitCodes.OK, get.code(), get.err());
            String out = get.out().replaceAll("\\s+", "");
            assertTrue(out.contains("{\"port\":" + headerEcho.address().getPort() + ",\"protocol\":\"tcp\","
                    + "\"ipFamily\":\"IPv4\",\"nodePort\":" + nodePort + ",\"state\":\"listening\",\"message\":\"\","
                    + "\"idleTimeout\":\"45s\",\"proxyProtocol\":\"v1\","
                    + "\"allowFrom\":[\"127.0.0.0/8\",\"192.0.2.0/24\",\"198.51.100.0/24\"],"
                    + "\"maxConnections\":7,\"connectTimeout\":\"2s\",\"accessLog\":false}"), get.out());
            assertTrue(out.contains("{\"port\":53,\"protocol\":\"udp\",\"ipFamily\":\"IPv4\","), get.out());
            assertTrue(out.contains("\"idleTimeout\":\"2m\",\"allowFrom\":[\"127.0.0.1/32\"],\"maxConnections\":3}"),
                    get.out());
            // The endpoint sees the header the API shows: its first bytes are the v1 header.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nodePort)) {
                s.setSoTimeout(10_000);
                String header = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(header.startsWith("PROXY TCP4 127.0.0.1 127.0.0.1 ") && header.endsWith("\r\n"), header);
            }
        }
    }

    @Test
    void bashCompletionOffersTheDaemonsEndpointNames() throws Exception {
        CliTest.Run put = run("endpoints", "put", "shop/web", "--ip", "127.0.0.1", "--port", "8080", api, tokenFile);
        assertEquals(ExitCodes.OK, put.code(), put.err());
        CliTest.Run script = run("completion", "bash");
        assertEquals(ExitCodes.OK, script.code(), script.err());
        Path completion = dir.resolve("portlocal.bash");
        Files.writeString(completion, script.out());
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path wrapper = bin.resolve("portlocal");
        Files.writeString(wrapper, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -cp '" + System.getProperty("java.class.path")
                + "' dev.portlocal.cli.Main \"$@\"\n");
        assertTrue(wrapper.toFile().setExecutable(true));
        String address = daemon.apiAddress().toString();
        // As bash calls it on tab: the words so far, the one being completed last.
        assertEquals(List.of("from-file", "shop/web"),
                complete(completion, bin, "portlocal endpoints get --api " + address + " ''"));
        assertEquals(List.of("shop/web"),
                complete(completion, bin, "portlocal endpoints delete --api = " + address + " sh"));
        assertEquals(List.of(), complete(completion, bin,
                "portlocal endpoints get --api 127.0.0.1:" + FreePorts.refused() + " ''"),
                "a daemon that does not answer offers nothing");
    }

    private static List<String> complete(Path completion, Path bin, String words) throws Exception {
        String line = "source '" + completion + "' 2>/dev/null; COMP_WORDS=(" + words + "); "
                + "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _complete_portlocal 2>/dev/null; "
                + "printf '%s\\n' \"${COMPREPLY[@]}\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", line).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out.lines().filter(l -> !l.isEmpty()).sorted().toList();
    }

    @Test
    void putGetListMappingsDelete() {
        CliTest.Run put = run("endpoints", "put", "shop/web", "--ip", "127.0.0.1", "--port", "8080",
                "--port", "9090/tcp=" + (range.start() + 5), api, tokenFile);
        assertEquals(ExitCodes.OK, put.code(), put.err());
        assertTrue(put.out().startsWith("created shop/web\nNAME      SOURCE  IP         PORTS"), put.out());
        assertTrue(put.out().contains("9090/tcp->" + (range.start() + 5)), put.out());

        CliTest.Run again = run("endpoints", "put", "shop/web", "--ip", "127.0.0.1", "--port", "8080",
                "--port", "9090/tcp=" + (range.start() + 5), api, tokenFile, "-o", "json");
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("\"name\" : \"shop/web\""), again.out());

        CliTest.Run get = run("endpoints", "get", "shop/web", api, "-o", "yaml");
        assertEquals(ExitCodes.OK, get.code(), "reads from loopback need no token: " + get.err());
        assertTrue(get.out().startsWith("name: shop/web\nip: 127.0.0.1\nsource: api\n"), get.out());

        CliTest.Run annotation = run("endpoints", "get", "shop/web", "--annotation", api);
        assertEquals(ExitCodes.OK, annotation.code());
        assertTrue(annotation.out().startsWith("[{\"podPort\":8080,\"nodeIP\":\""), annotation.out());

        CliTest.Run list = run("endpoints", "list", api);
        assertEquals(ExitCodes.OK, list.code());
        assertTrue(list.out().contains("from-file  file") && list.out().contains("shop/web   api"), list.out());

        CliTest.Run mappings = run("mappings", api);
        assertEquals(ExitCodes.OK, mappings.code());
        assertTrue(mappings.out().matches("(?s)ENDPOINT +IP +PORT +PROTOCOL +NODE_IP +NODE_PORT +IP_FAMILY +SOURCE +"
                + "STATE +MESSAGE\n.*"), mappings.out());
        assertEquals(4, mappings.out().lines().count(), mappings.out());
        CliTest.Run json = run("mappings", api, "-o", "JSON");
        assertTrue(json.out().startsWith("[ {"), json.out());

        CliTest.Run deleted = run("endpoints", "delete", "shop/web", api, tokenFile);
        assertEquals(ExitCodes.OK, deleted.code(), deleted.err());
        assertEquals("deleted shop/web\n", deleted.out());
        CliTest.Run gone = run("endpoints", "get", "shop/web", api);
        assertEquals(ExitCodes.NOT_FOUND, gone.code());
        assertEquals("portlocal endpoints get: endpoint shop/web not found\n", gone.err());
    }

    @Test
    void putFromAFile() throws Exception {
        Path file = dir.resolve("web.yaml");
        Files.writeString(file, "name: ns/web\nip: 127.0.0.1\nports:\n  - port: 8080\n");
        CliTest.Run put = run("endpoints", "put", "-f", file.toString(), api, tokenFile);
        assertEquals(ExitCodes.OK, put.code(), put.err());
        assertTrue(put.out().startsWith("created ns/web\n"), put.out());
    }

    @Test
    void failuresAreShortAndActionableWithTheirExitCodes() {
        CliTest.Run noToken = run("endpoints", "put", "web", "--ip", "127.0.0.1", "--port", "80", api);
        assertEquals(ExitCodes.UNAUTHORIZED, noToken.code());
        assertTrue(noToken.err().startsWith("portlocal endpoints put: the API at " + daemon.apiAddress()
                + " refused the token (401: unauthorized: missing bearer token"), noToken.err());
        assertTrue(noToken.err().contains("--api-token-file"), noToken.err());
        assertEquals(1, noToken.err().lines().count(), noToken.err());

        CliTest.Run invalid = run("endpoints", "put", "web", "--ip", "127.0.0.1", "--port", "70000", api, tokenFile);
        assertEquals(ExitCodes.INVALID, invalid.code());
        assertEquals("portlocal endpoints put: ports[0].port: 70000 (expected: 1-65535)\n", invalid.err());

        CliTest.Run fileOwned = run("endpoints", "delete", "from-file", api, tokenFile);
        assertEquals(ExitCodes.CONFLICT, fileOwned.code());
        assertTrue(fileOwned.err().contains("comes from the mapping file"), fileOwned.err());

        CliTest.Run missing = run("endpoints", "delete", "nobody", api, tokenFile);
        assertEquals(ExitCodes.NOT_FOUND, missing.code());

        String nowhere = "--api=127.0.0.1:" + FreePorts.refused();
        CliTest.Run unreachable = run("mappings", nowhere);
        assertEquals(ExitCodes.FAILURE, unreachable.code());
        assertTrue(unreachable.err().startsWith("portlocal mappings: cannot reach the API at 127.0.0.1:"),
                unreachable.err());
        assertTrue(unreachable.err().contains("Is 'portlocal run' running there?"), unreachable.err());
        CliTest.Run noSocket = run("mappings", "--api=unix:" + dir.resolve("none.sock"));
        assertEquals(ExitCodes.FAILURE, noSocket.code());
        assertTrue(noSocket.err().contains("cannot reach the API at unix:"), noSocket.err());
        assertEquals("", unreachable.out());
    }

    @Test
    void runExitsOneWhenTheApiAddressIsTaken() {
        CliTest.Run taken = run("run", "--api", daemon.apiAddress().toString(), "--state-dir",
                dir.resolve("other-state").toString(), "--listen-address", "127.0.0.1", "--threads", "1",
                "--port-range", range.start() + "-" + range.end());
        assertEquals(ExitCodes.FAILURE, taken.code());
        assertTrue(taken.err().startsWith("portlocal run: cannot start: "), taken.err());
        assertTrue(taken.err().startsWith("portlocal run: cannot start: api: cannot listen on " + daemon.apiAddress()),
                taken.err());
    }
}
