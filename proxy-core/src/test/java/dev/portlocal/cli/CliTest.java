package dev.portlocal.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.portlocal.config.DaemonOptions;
import dev.portlocal.config.Option;
import dev.portlocal.config.OptionValues;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.systemd.SystemdSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
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
        assertEquals("portlocal completion: fish (expected: bash or zsh)\n", fish.err());
        Run zsh = run("completion", "zsh");
        assertEquals(ExitCodes.OK, zsh.code(), zsh.err());
        assertTrue(zsh.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && "
                + "bashcompinit\n#!/usr/bin/env bash"), zsh.out());
    }

    @Test
    void aUsageErrorIsOneLineWithWhatWasMeantAndWhereHelpIs() {
        Run bogus = run("endpoints", "list", "--outpt", "json");
        assertEquals(ExitCodes.INVALID, bogus.code());
        assertEquals("portlocal endpoints list: Unknown options: '--outpt', 'json' (did you mean --output?)\n"
                + "See 'portlocal endpoints list --help'.\n", bogus.err());
        Run typo = run("mapings");
        assertEquals(ExitCodes.INVALID, typo.code());
        assertTrue(typo.err().startsWith("portlocal: Unmatched argument at index 0: 'mapings' (did you mean "
                + "mappings"), typo.err());
        assertEquals(2, typo.err().lines().count(), typo.err());
        Run threads = run("run", "--threads", "x");
        assertEquals(ExitCodes.INVALID, threads.code());
        assertEquals("portlocal run: --threads: x (expected: an integer 1-256)\n", threads.err());
    }

    @Test
    void optionsMayStandBeforeTheCommand() {
        int refused = dev.portlocal.testing.FreePorts.refused();
        Run before = run("--api", "127.0.0.1:" + refused, "-o", "json", "endpoints", "list");
        Run after = run("endpoints", "list", "--api", "127.0.0.1:" + refused, "-o", "json");
        assertEquals(ExitCodes.FAILURE, before.code(), before.err());
        assertEquals(after.err(), before.err());
        assertTrue(before.err().contains("cannot reach the API at 127.0.0.1:" + refused), before.err());
        assertEquals(List.of("endpoints", "list", "--api=x", "-o", "json", "shop/web"),
                List.of(Main.optionsAfterCommand(Main.newCommandLine(new PrintWriter(new StringWriter()),
                        new PrintWriter(new StringWriter())), new String[] {"--api=x", "endpoints", "-o", "json",
                                "list", "shop/web"})));
        assertEquals(ExitCodes.INVALID, run("--bogus", "mappings").code(), "an unknown option stays an error");
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

    /**
     * The systemd unit runs {@code check --config} before {@code run --config}: each config that {@code run} refuses,
     * {@code check} refuses too, with the same message.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "listenAddresses: [foo]|listenAddresses[0]: foo (expected: an IPv4 or IPv6 address)",
        "drainTimeout: 3 s|drainTimeout: 3 s (expected: a duration",
        "apiTokenFile: TOKEN|api-token-file: TOKEN (cannot read",
        "api: 0.0.0.0:9180|api: 0.0.0.0:9180 is reachable from other hosts"})
    void checkRefusesEveryConfigThatRunRefusesWithTheSameMessage(String line, String expected) throws IOException {
        Path token = dir.resolve("absent-token");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, line.replace("TOKEN", token.toString()) + "\nstateDir: " + dir.resolve("state")
                + "\n");
        Run check = run("check", "--config", config.toString());
        Run daemon = run("run", "--config", config.toString());
        assertEquals(ExitCodes.INVALID, daemon.code(), daemon.err());
        assertEquals(ExitCodes.INVALID, check.code(), check.out() + check.err());
        assertTrue(check.err().contains(expected.replace("TOKEN", token.toString())), check.err());
        assertEquals(daemon.err().replace("portlocal run: ", ""), check.err().replace("portlocal check: ", ""));
        assertFalse(Files.exists(dir.resolve("state")), "nothing was started");
    }

    @Test
    void runAndCheckTakeEveryDaemonOptionAsAFlagWithItsDefault() {
        for (String command : List.of("run", "check")) {
            // picocli wraps lines anywhere in a long default: compare without white space.
            String help = run(command, "--help").out().replaceAll("\\s+", "");
            for (Option<?> option : DaemonOptions.ALL) {
                assertTrue(help.contains(option.flag()), command + " --help has " + option.flag() + ":\n" + help);
                if (option.defaultText() != null) {
                    String text = ("(default: " + option.defaultText() + ")").replaceAll("\\s+", "");
                    assertTrue(help.contains(text), option.key() + ": " + help);
                }
            }
        }
    }

    @Test
    void flagsWinOverTheConfigFile() throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "mappings: " + writePinned(61005) + "\nportRange: 61000-62000\n");
        assertEquals(ExitCodes.OK, run("check", "--config", config.toString()).code());
        Run narrowed = run("check", "--config", config.toString(), "--port-range", "1000-1010");
        assertEquals(ExitCodes.INVALID, narrowed.code());
        assertTrue(narrowed.err().contains("inside port range 1000-1010"), narrowed.err());
    }

    @Test
    void buildingTheConfigChangesNothingNotEvenTheLogLevel() throws IOException {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Level before = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "logLevel: " + (before == Level.ERROR ? "debug" : "error") + "\nthreads: 3\n");
        DaemonConfig built = DaemonFlags.config(OptionValues.EMPTY.with(DaemonOptions.THREADS, 2), config,
                SystemdSettings.NONE);
        assertEquals(2, built.threads(), "the flag wins");
        assertEquals(before == Level.ERROR ? "debug" : "error", built.logLevel());
        assertEquals(before, context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel(),
                "the level is applied by the daemon at start and after a successful reload, not while building");
    }
}
