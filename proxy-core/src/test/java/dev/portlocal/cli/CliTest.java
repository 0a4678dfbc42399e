package dev.portlocal.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI without sockets: offline commands, usage errors and configuration refusals, with their exit codes. */
class CliTest {

    @TempDir
    Path dir;

    /** One run of the command line: exit code, stdout and stderr. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void checkAcceptsAValidFile() throws IOException {
        Path file = dir.resolve("endpoints.yaml");
        Files.writeString(file, "endpoints:\n  - name: shop/web\n    ip: 10.0.0.1\n    ports:\n      - port: 8080\n"
                + "      - port: 53\n        protocol: udp\n        nodePort: 61005\n");
        Run r = run("check", file.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(file + ": ok, 1 endpoints, 2 ports\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void checkRejectsAnInvalidFileNamingEveryProblem() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"endpoints\":[{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":70000}]},"
                + "{\"name\":\"web\",\"ip\":\"nope\",\"ports\":[{\"port\":1}]}]}");
        Run r = run("check", file.toString());
        assertEquals(ExitCodes.INVALID, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("bad.json: endpoints[0] (web): ports[0].port: 70000 (expected: 1-65535)"),
                r.err());
        assertTrue(r.err().contains("ip: nope"), r.err());
        assertTrue(r.err().contains("already used by endpoints[0]"), r.err());
    }

    @Test
    void checkOfAMissingFileOrABadRangeIsInvalid() throws IOException {
        Run missing = run("check", dir.resolve("absent.yaml").toString());
        assertEquals(ExitCodes.INVALID, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Path file = dir.resolve("ok.yaml");
        Files.writeString(file, "endpoints: []\n");
        Run range = run("check", "--port-range", "62000-61000", file.toString());
        assertEquals(ExitCodes.INVALID, range.code());
        assertTrue(range.err().startsWith("portlocal check: port range: 62000-61000"), range.err());
        Run pinnedOutside = run("check", "--port-range", "1000-1010", writePinned(61005).toString());
        assertEquals(ExitCodes.INVALID, pinnedOutside.code());
        assertTrue(pinnedOutside.err().contains("inside port range 1000-1010"), pinnedOutside.err());
    }

    private Path writePinned(int nodePort) throws IOException {
        Path file = dir.resolve("pinned.yaml");
        Files.writeString(file, "endpoints:\n  - name: web\n    ip: 10.0.0.1\n    ports:\n      - port: 80\n"
                + "        nodePort: " + nodePort + "\n");
        return file;
    }

    @Test
    void versionAndHelp() {
        Run version = run("version");
        assertEquals(ExitCodes.OK, version.code());
        assertTrue(version.out().startsWith("portlocal "), version.out());
        Run help = run("--help");
        assertEquals(ExitCodes.OK, help.code());
        for (String command : new String[] {"run", "demo", "check", "endpoints", "mappings", "version",
            "completion"}) {
            assertTrue(help.out().contains("  " + command + " "), command + " in:\n" + help.out());
        }
        assertTrue(help.out().contains("5   the API refused the token"), help.out());
        Run subHelp = run("endpoints", "put", "--help");
        assertEquals(ExitCodes.OK, subHelp.code());
        assertTrue(subHelp.out().contains("--port=PORT[/PROTOCOL][=NODEPORT]"), subHelp.out());
        assertTrue(subHelp.out().contains("Exit codes:"), "every subcommand lists the exit codes");
    }

    @Test
    void completionBashIsAScriptThatKnowsTheSubcommands() {
        Run r = run("completion", "bash");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out());
        assertTrue(r.out().contains("endpoints") && r.out().contains("mappings") && r.out().contains("--api"));
        Run fish = run("completion", "fish");
        assertEquals(ExitCodes.INVALID, fish.code());
        assertEquals("portlocal completion: fish (expected: bash)\n", fish.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(ExitCodes.INVALID, run("nope").code());
        assertEquals(ExitCodes.INVALID, run("check").code(), "FILE is required");
        assertEquals(ExitCodes.INVALID, run("mappings", "-o", "xml").code());
        assertEquals(ExitCodes.INVALID, run("endpoints", "get").code(), "NAME is required");
        assertEquals(ExitCodes.INVALID, run("completion").code());
    }

    @Test
    void putRefusesIncompleteOrContradictoryInputBeforeCallingTheApi() throws IOException {
        String unreachable = "--api=unix:" + dir.resolve("no.sock");
        Run noIp = run("endpoints", "put", "web", "--port", "80", unreachable);
        assertEquals(ExitCodes.INVALID, noIp.code());
        assertEquals("portlocal endpoints put: --ip: missing (expected: the endpoint's IP)\n", noIp.err());
        Run badPort = run("endpoints", "put", "web", "--ip", "10.0.0.1", "--port", "80/tcp:61000", unreachable);
        assertEquals(ExitCodes.INVALID, badPort.code());
        assertTrue(badPort.err().contains("--port: 80/tcp:61000 (expected: PORT[/PROTOCOL][=NODEPORT]"),
                badPort.err());
        Run noName = run("endpoints", "put", "--ip", "10.0.0.1", "--port", "80", unreachable);
        assertEquals(ExitCodes.INVALID, noName.code());
        Path file = dir.resolve("web.yaml");
        Files.writeString(file, "name: web\nip: 10.0.0.1\nports: [{port: 80}]\n");
        Run both = run("endpoints", "put", "-f", file.toString(), "--ip", "10.0.0.2", unreachable);
        assertEquals(ExitCodes.INVALID, both.code());
        assertTrue(both.err().contains("either in a file or with --ip and --port"), both.err());
        Path whole = dir.resolve("endpoints.yaml");
        Files.writeString(whole, "endpoints: []\n");
        Run mappingFile = run("endpoints", "put", "-f", whole.toString(), unreachable);
        assertEquals(ExitCodes.INVALID, mappingFile.code());
        assertTrue(mappingFile.err().contains("this is a whole mapping file"), mappingFile.err());
    }

    @Test
    void aBadApiAddressOrTokenFileIsInvalid() {
        Run address = run("mappings", "--api", "localhost:9180");
        assertEquals(ExitCodes.INVALID, address.code());
        assertTrue(address.err().startsWith("portlocal mappings: api: localhost:9180 (expected: IP:PORT"),
                address.err());
        Run token = run("endpoints", "list", "--api-token-file", dir.resolve("missing-token").toString());
        assertEquals(ExitCodes.INVALID, token.code());
        assertTrue(token.err().startsWith("portlocal endpoints list: api-token-file: "), token.err());
    }

    @Test
    void runRefusesAnExposedApiWithoutATokenAndStartsNothing() {
        Run exposed = run("run", "--api", "0.0.0.0:9180", "--state-dir", dir.resolve("state").toString());
        assertEquals(ExitCodes.INVALID, exposed.code());
        assertEquals("portlocal run: api: 0.0.0.0:9180 is reachable from other hosts (expected: --api-token-file "
                + "FILE, or --api-insecure to serve it without a token)\n", exposed.err());
        assertFalse(Files.exists(dir.resolve("state")), "nothing was started");
        Run noToken = run("run", "--api", "127.0.0.1:0", "--api-token-file", dir.resolve("absent").toString(),
                "--state-dir", dir.resolve("state").toString());
        assertEquals(ExitCodes.INVALID, noToken.code());
        assertTrue(noToken.err().startsWith("portlocal run: api-token-file: "), noToken.err());
        assertFalse(Files.exists(dir.resolve("state")), "nothing was started");
        Run badAddress = run("run", "--api", "9180");
        assertEquals(ExitCodes.INVALID, badAddress.code());
        assertTrue(badAddress.err().contains("api: 9180 (expected: IP:PORT"), badAddress.err());
    }

    @Test
    void runReadsTheApiKeysOfTheConfigFile() throws IOException {
        Path config = dir.resolve("portlocal.yaml");
        Files.writeString(config, "api: 0.0.0.0:9180\napiInsecure: false\n");
        Run refused = run("run", "--config", config.toString());
        assertEquals(ExitCodes.INVALID, refused.code());
        assertTrue(refused.err().contains("is reachable from other hosts"), refused.err());
        Files.writeString(config, "apiTokenFile: /x\napiToken: oops\n");
        Run unknown = run("run", "--config", config.toString());
        assertEquals(ExitCodes.INVALID, unknown.code());
        assertTrue(unknown.err().contains("apiToken: unknown key"), unknown.err());
    }
}
