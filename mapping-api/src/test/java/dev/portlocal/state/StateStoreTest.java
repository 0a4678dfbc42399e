package dev.portlocal.state;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateStoreTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_764_000_000_123L), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static final StateEntry WEB = new StateEntry(new MappingKey("shop/web", 8080, Protocol.TCP, IpFamily.IPv4),
            Source.FILE, Addresses.parseIp("ip", "10.0.0.1"), 61003, false);
    private static final StateEntry DNS = new StateEntry(new MappingKey("dns", 53, Protocol.UDP, IpFamily.IPv6),
            Source.API, Addresses.parseIp("ip", "fd00::53"), 61000, true);

    private List<String> fileNames() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void missingFileLoadsAsEmpty() {
        assertEquals(Map.of(), new StateStore(dir.resolve("not-yet")).load());
    }

    @Test
    void roundTrip() throws IOException {
        StateStore store = new StateStore(dir);
        store.save(List.of(WEB, DNS));

        Map<MappingKey, StateEntry> loaded = new StateStore(dir).load();
        assertEquals(Map.of(WEB.key(), WEB, DNS.key(), DNS), loaded);
        assertEquals(List.of(DNS.key(), WEB.key()), List.copyOf(loaded.keySet()), "saved sorted by endpoint");
        String json = Files.readString(dir.resolve("state.json"));
        assertTrue(json.contains("\"version\" : 1"), json);
        assertTrue(json.contains("\"protocol\" : \"udp\""), json);
        assertTrue(json.contains("\"family\" : \"IPv6\""), json);
        assertTrue(json.contains("\"source\" : \"api\""), json);
    }

    @Test
    void aUdpIdleTimeoutRoundTripsAndIsLeftOutWhenUnset() throws IOException {
        StateEntry dns = new StateEntry(DNS.key(), Source.API, DNS.ip(), 61000, true,
                Optional.of(Duration.ofMillis(1500)));
        StateStore store = new StateStore(dir);
        store.save(List.of(WEB, dns));

        assertEquals(Map.of(WEB.key(), WEB, dns.key(), dns), new StateStore(dir).load());
        String json = Files.readString(dir.resolve("state.json"));
        assertTrue(json.contains("\"idleTimeout\" : \"1500ms\""), json);
        assertEquals(1, json.split("idleTimeout", -1).length - 1, "only the entry that has one: " + json);
    }

    @Test
    void aFileWrittenBeforeIdleTimeoutsLoads() throws IOException {
        Files.writeString(dir.resolve("state.json"), "{\"version\": 1, \"entries\": [{\"endpoint\": \"dns\", "
                + "\"port\": 53, \"protocol\": \"udp\", \"family\": \"IPv4\", \"nodePort\": 61000, "
                + "\"source\": \"api\", \"ip\": \"10.0.0.10\", \"pinned\": false}]}");
        StateEntry entry = new StateStore(dir).load().values().iterator().next();
        assertEquals(Optional.empty(), entry.idleTimeout());
    }

    @Test
    void aProxyProtocolRoundTripsAndAnOldFileLoadsWithout() throws IOException {
        StateEntry web = new StateEntry(WEB.key(), Source.FILE, WEB.ip(), 61003, false, Optional.empty(),
                Optional.empty(), Optional.of(ProxyProtocol.V1));
        StateStore store = new StateStore(dir);
        store.save(List.of(web, DNS));

        assertEquals(Map.of(web.key(), web, DNS.key(), DNS), new StateStore(dir).load());
        String json = Files.readString(dir.resolve("state.json"));
        assertTrue(json.contains("\"proxyProtocol\" : \"v1\""), json);
        assertEquals(1, json.split("proxyProtocol", -1).length - 1, "only the entry that has one: " + json);

        Files.writeString(dir.resolve("state.json"), "{\"version\": 1, \"entries\": [{\"endpoint\": \"web\", "
                + "\"port\": 80, \"protocol\": \"tcp\", \"family\": \"IPv4\", \"nodePort\": 61000, "
                + "\"source\": \"api\", \"ip\": \"10.0.0.10\", \"pinned\": false}]}");
        assertEquals(Optional.empty(), new StateStore(dir).load().values().iterator().next().proxyProtocol());
    }

    @Test
    void aPortPolicyRoundTripsAndAnOldFileLoadsWithout() throws IOException {
        PortPolicy policy = new PortPolicy(List.of(Cidr.parse("a", "10.0.0.0/8"), Cidr.parse("a", "::1/128")),
                OptionalInt.of(5), Optional.of(Duration.ofSeconds(2)), Optional.of(true));
        StateEntry web = new StateEntry(WEB.key(), Source.API, WEB.ip(), 61003, false,
                Optional.of(Duration.ofMinutes(5)), Optional.empty(), Optional.empty(), policy);
        StateStore store = new StateStore(dir);
        store.save(List.of(web, DNS));

        assertEquals(Map.of(web.key(), web, DNS.key(), DNS), new StateStore(dir).load());
        String json = Files.readString(dir.resolve("state.json"));
        assertTrue(json.replaceAll("\\s+", "").contains("\"policy\":{\"allowFrom\":[\"10.0.0.0/8\",\"::1/128\"],"
                + "\"maxConnections\":5,\"connectTimeout\":\"2s\",\"accessLog\":true}"), json);
        assertEquals(1, json.split("policy", -1).length - 1, "only the entry that has one: " + json);
        assertEquals(PortPolicy.NONE, new StateStore(dir).load().get(DNS.key()).policy());
    }

    @Test
    void saveReplacesAndLeavesNoTempFiles() throws IOException {
        StateStore store = new StateStore(dir);
        store.save(List.of(WEB, DNS));
        store.save(List.of(DNS));
        store.save(List.of());
        store.save(List.of(WEB));

        assertEquals(List.of("state.json"), fileNames());
        assertEquals(Map.of(WEB.key(), WEB), store.load());
    }

    @Test
    void saveCreatesTheStateDirectory() throws IOException {
        Path nested = dir.resolve("a/b/portlocal");
        new StateStore(nested).save(List.of(WEB));
        assertEquals(Map.of(WEB.key(), WEB), new StateStore(nested).load());
    }

    private void assertSetAside(String content) throws IOException {
        Files.writeString(dir.resolve("state.json"), content);

        assertEquals(Map.of(), new StateStore(dir, CLOCK).load(), content);

        assertEquals(List.of("state.json.corrupt-1764000000123"), fileNames(), content);
        assertEquals(content, Files.readString(dir.resolve("state.json.corrupt-1764000000123")));
        Files.delete(dir.resolve("state.json.corrupt-1764000000123"));
    }

    @Test
    void badJsonIsSetAside() throws IOException {
        assertSetAside("{\"version\": 1, \"entries\": [");
        assertSetAside("not json at all");
        assertSetAside("");
        assertSetAside("null");
    }

    @Test
    void wrongShapeIsSetAside() throws IOException {
        assertSetAside("[]");
        assertSetAside("{\"version\": 1}");
        assertSetAside("{\"version\": 2, \"entries\": []}");
        assertSetAside("{\"entries\": []}");
        assertSetAside("{\"version\": 1, \"entries\": [], \"extra\": true}");
        assertSetAside("{\"version\": \"1\", \"entries\": []}");
    }

    @Test
    void invalidValuesAreSetAside() throws IOException {
        String valid = "{\"endpoint\": \"web\", \"port\": 80, \"protocol\": \"tcp\", \"family\": \"IPv4\", "
                + "\"nodePort\": 61000, \"source\": \"file\", \"ip\": \"10.0.0.1\"}";
        Files.writeString(dir.resolve("state.json"), "{\"version\": 1, \"entries\": [" + valid + "]}");
        assertEquals(1, new StateStore(dir).load().size(), "the valid template loads");

        for (String[] swap : new String[][] {
                {"\"port\": 80", "\"port\": 70000"},
                {"\"nodePort\": 61000", "\"nodePort\": 0"},
                {"\"protocol\": \"tcp\"", "\"protocol\": \"sctp\""},
                {"\"family\": \"IPv4\"", "\"family\": \"ipv5\""},
                {"\"family\": \"IPv4\"", "\"family\": \"IPv6\""},
                {"\"source\": \"file\"", "\"source\": \"http\""},
                {"\"ip\": \"10.0.0.1\"", "\"ip\": \"example.com\""},
                {"\"endpoint\": \"web\"", "\"endpoint\": \"a/b/c\""},
                {"\"endpoint\": \"web\", ", ""},
                {"\"port\": 80", "\"port\": \"80\""},
                {"\"ip\": \"10.0.0.1\"", "\"ip\": \"10.0.0.1\", \"idleTimeout\": \"25h\""},
                {"\"ip\": \"10.0.0.1\"", "\"ip\": \"10.0.0.1\", \"policy\": {\"allowFrom\": [\"10.0.0.1/8\"]}"},
                {"\"ip\": \"10.0.0.1\"", "\"ip\": \"10.0.0.1\", \"policy\": {\"maxConnections\": 0}"},
                {"\"ip\": \"10.0.0.1\"", "\"ip\": \"10.0.0.1\", \"idleTimeout\": \"soon\""}}) {
            assertSetAside("{\"version\": 1, \"entries\": [" + valid.replace(swap[0], swap[1]) + "]}");
        }
        assertSetAside("{\"version\": 1, \"entries\": [" + valid + ", " + valid + "]}");
    }

    @Test
    void corruptFileDoesNotBlockTheNextSave() throws IOException {
        Files.writeString(dir.resolve("state.json"), "garbage");
        StateStore store = new StateStore(dir, CLOCK);
        assertEquals(Map.of(), store.load());

        store.save(List.of(DNS));

        assertEquals(Map.of(DNS.key(), DNS), store.load());
        assertEquals(List.of("state.json", "state.json.corrupt-1764000000123"), fileNames());
    }

    @Test
    void secondCorruptionInTheSameMillisecondGetsItsOwnName() throws IOException {
        Files.writeString(dir.resolve("state.json"), "garbage 1");
        new StateStore(dir, CLOCK).load();
        Files.writeString(dir.resolve("state.json"), "garbage 2");
        new StateStore(dir, CLOCK).load();

        assertEquals(List.of("state.json.corrupt-1764000000123", "state.json.corrupt-1764000000123-1"),
                fileNames());
    }

    @Test
    void defaultStateDirPrefersStateDirectory() {
        assertEquals(Path.of("/var/lib/portlocal"),
                StateStore.defaultStateDir(Map.of("STATE_DIRECTORY", "/var/lib/portlocal"), "/home/u"));
        assertEquals(Path.of("/var/lib/portlocal"),
                StateStore.defaultStateDir(Map.of("STATE_DIRECTORY", "/var/lib/portlocal:/var/lib/other"), "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/portlocal"), StateStore.defaultStateDir(Map.of(), "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/portlocal"),
                StateStore.defaultStateDir(Map.of("STATE_DIRECTORY", ""), "/home/u"));
        assertFalse(StateStore.defaultStateDir().toString().isEmpty());
    }

    @Test
    void stateFileLivesInTheStateDir() {
        assertEquals(dir.resolve("state.json"), new StateStore(dir).file());
    }

    @Test
    void theDirectoryIsCreated0700AndTheFile0600() throws IOException {
        Path stateDir = dir.resolve("a").resolve("state");
        new StateStore(stateDir).save(List.of(WEB));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                stateDir.resolve("state.json"))));
        new StateStore(stateDir).save(List.of(WEB, DNS));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                stateDir.resolve("state.json"))), "and again after a rewrite");
    }

    @Test
    void staleTempFilesAreRemovedAndLooserPermissionsTakenBackAtTheFirstLoad() throws IOException {
        new StateStore(dir).save(List.of(WEB));
        Files.writeString(dir.resolve("state.json.123456.tmp"), "{\"half\": ");
        Files.writeString(dir.resolve("state.json.789.tmp"), "");
        Files.writeString(dir.resolve("other.tmp"), "not ours");
        Files.createDirectory(dir.resolve("state.json.dir.tmp"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("state.json"), PosixFilePermissions.fromString("rw-r--r--"));

        StateStore store = new StateStore(dir);
        assertEquals(Map.of(WEB.key(), WEB), store.load());
        assertEquals(List.of("other.tmp", "state.json", "state.json.dir.tmp"), fileNames(),
                "only our regular temp files are removed");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("state.json"))));

        Files.writeString(dir.resolve("state.json.later.tmp"), "");
        store.load();
        assertTrue(fileNames().contains("state.json.later.tmp"), "only before the first load: a later temp file "
                + "may be a write under way");
    }
}
