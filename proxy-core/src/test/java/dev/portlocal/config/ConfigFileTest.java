package dev.portlocal.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config file's keys, derived from a list of options: types, sections, unknown keys, every error at once. */
class ConfigFileTest {

    private static final Option<Integer> THREADS = Option.builder("threads", OptionType.integer(1, 256))
            .defaultValue(2).help("h").build();
    private static final Option<Duration> DRAIN = Option.builder("drainTimeout", OptionType.duration())
            .defaultValue(Duration.ofSeconds(30)).help("h").build();
    private static final Option<Boolean> ENABLED = Option.builder("kubernetes.enabled", OptionType.bool())
            .defaultValue(false).help("h").build();
    private static final Option<String> NODE_NAME = Option.builder("kubernetes.nodeName",
            OptionType.text((field, text) -> text)).help("h").build();
    private static final Option<List<String>> NAMES = Option.builder("names",
            OptionType.list((field, text) -> text, s -> s)).flag("--name").help("h").build();

    private static final ConfigFile FILE = new ConfigFile(List.of(THREADS, DRAIN, ENABLED, NODE_NAME, NAMES));

    @TempDir
    Path dir;

    private OptionValues read(String yaml) throws IOException {
        return FILE.read(Files.writeString(dir.resolve("c.yaml"), yaml));
    }

    private List<String> errors(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("c.yaml"), yaml);
        return assertThrows(InvalidConfigException.class, () -> FILE.read(file)).errors().stream()
                .map(e -> e.replace(file.toString(), "FILE")).toList();
    }

    @Test
    void readsTopLevelAndSectionKeysAndLeavesTheRestAtTheirDefaults() throws IOException {
        OptionValues v = read("threads: 4\nkubernetes:\n  nodeName: node-1\nnames: [a, b]\n");
        assertEquals(4, v.get(THREADS));
        assertEquals("node-1", v.get(NODE_NAME));
        assertEquals(List.of("a", "b"), v.get(NAMES));
        assertFalse(v.isSet(DRAIN));
        assertEquals(Duration.ofSeconds(30), v.get(DRAIN), "the default");
        assertEquals(false, v.get(ENABLED));
    }

    @Test
    void anEmptyFileOrAKeyWithoutAValueSetsNothing() throws IOException {
        assertEquals(List.of(), List.copyOf(read("").set()));
        assertEquals(List.of(), List.copyOf(read("# only a comment\n").set()));
        OptionValues v = read("threads:\nkubernetes:\n");
        assertFalse(v.isSet(THREADS));
        assertNull(v.get(NODE_NAME));
    }

    @Test
    void everyErrorIsListedWithTheFileTheKeyAndTheValue() throws IOException {
        assertEquals(List.of(
                "FILE: threads: \"4\" (expected: an integer 1-256)",
                "FILE: drainTimeout: 3 s (expected: a duration such as 500ms, 30s, 5m, 1h)",
                "FILE: threds: unknown key (expected one of: drainTimeout, kubernetes, names, threads)",
                "FILE: kubernetes.nodename: unknown key (expected one of: enabled, nodeName)",
                "FILE: kubernetes.enabled: \"yes\" (expected: true or false)",
                "FILE: names[1]: {\"x\":1} (expected: a single value)"),
                errors("threads: \"4\"\ndrainTimeout: 3 s\nthreds: 4\nkubernetes:\n  nodename: n\n"
                        + "  enabled: \"yes\"\nnames: [a, {x: 1}]\n"));
    }

    @Test
    void aSectionMustBeAMappingAndAListAList() throws IOException {
        assertEquals(List.of("FILE: kubernetes: true (expected: a mapping of enabled, nodeName)",
                "FILE: names: \"a\" (expected: a list)", "FILE: threads: 300 (expected: an integer 1-256)"),
                errors("kubernetes: true\nnames: a\nthreads: 300\n"));
    }

    @Test
    void duplicateKeysAndSyntaxErrorsAreRefused() throws IOException {
        List<String> duplicate = errors("threads: 1\nthreads: 2\n");
        assertEquals(1, duplicate.size());
        assertTrue(duplicate.get(0).startsWith("FILE at line 2") && duplicate.get(0).contains("threads"),
                duplicate.toString());
        assertTrue(errors("threads: [1\n").get(0).startsWith("FILE at line "));
        assertEquals(List.of("FILE: [1] (expected: a mapping of option keys)"), errors("[1]\n"));
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("absent.yaml");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> FILE.read(missing));
        assertTrue(e.getMessage().startsWith("config: " + missing + " (cannot read: "), e.getMessage());
    }

    @Test
    void anOptionAndASectionOfTheSameNameCannotBothExist() {
        Option<Boolean> section = Option.builder("kubernetes", OptionType.bool()).help("h").build();
        assertThrows(IllegalArgumentException.class, () -> new ConfigFile(List.of(section, NODE_NAME)));
        assertThrows(IllegalArgumentException.class, () -> new ConfigFile(List.of(THREADS, THREADS)));
    }

    @Test
    void flagsAreTheKeysInKebabCaseUnlessNamed() {
        assertEquals("--drain-timeout", DRAIN.flag());
        assertEquals("--kubernetes-node-name", NODE_NAME.flag());
        assertEquals("--name", NAMES.flag());
    }

    @Test
    void aFlagAndAFileValueAreReadAndCheckedAlike() throws IOException {
        assertEquals(read("drainTimeout: 5m\n").get(DRAIN), DRAIN.fromFlag(List.of("5m")));
        assertEquals(List.of("a", "b"), NAMES.fromFlag(List.of("a", "b")));
        assertEquals(true, ENABLED.fromFlag(List.of()));
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> THREADS.fromFlag(List.of("0")));
        assertEquals("--threads: 0 (expected: an integer 1-256)", flag.getMessage());
        assertEquals(List.of("FILE: threads: 0 (expected: an integer 1-256)"), errors("threads: 0\n"));
    }

    @Test
    void valuesSetLaterWinAndEveryValueIsChecked() {
        OptionValues file = OptionValues.EMPTY.with(THREADS, 4).with(DRAIN, Duration.ofSeconds(5));
        OptionValues flags = OptionValues.EMPTY.with(THREADS, 8);
        OptionValues merged = file.overriddenBy(flags);
        assertEquals(8, merged.get(THREADS), "the flag wins");
        assertEquals(Duration.ofSeconds(5), merged.get(DRAIN), "the file's value stays where no flag is given");
        assertEquals("threads: 0 (expected: an integer 1-256)",
                assertThrows(IllegalArgumentException.class, () -> OptionValues.EMPTY.with(THREADS, 0)).getMessage(),
                "a value set in code passes the same check");
    }
}
