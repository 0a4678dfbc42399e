package dev.portlocal.config;

import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's option table: one entry per option, from which flags, keys and the restart check follow. */
class DaemonOptionsTest {

    @Test
    void keysAndFlagsAreUniqueAndEveryOptionHasHelp() {
        Set<String> keys = new HashSet<>();
        Set<String> flags = new HashSet<>();
        for (Option<?> option : DaemonOptions.ALL) {
            assertTrue(keys.add(option.key()), option.key());
            assertTrue(flags.add(option.flag()), option.flag());
            assertTrue(option.help().endsWith("."), option.key() + ": " + option.help());
        }
    }

    @Test
    void everyDefaultPassesItsOwnChecks() {
        for (Option<?> option : DaemonOptions.ALL) {
            check(option);
        }
    }

    private static <T> void check(Option<T> option) {
        T value = option.defaultValue();
        if (value != null) {
            option.validate(option.key(), value);
        }
    }

    @Test
    void onlyTheMappingFileAndLoggingApplyOnReload() {
        List<String> reloadable = DaemonOptions.ALL.stream().filter(Option::reloadable).map(Option::key).toList();
        assertEquals(List.of("mappings", "logLevel", "logFormat"), reloadable);
    }

    @Test
    void theRestartCheckNamesExactlyTheRestartOnlyOptionsThatChanged() {
        DaemonConfig running = DaemonConfig.builder().portRange(new PortRange(61000, 61010)).threads(2).build();
        DaemonConfig fresh = DaemonConfig.builder().portRange(new PortRange(61000, 61011)).threads(2)
                .set(DaemonOptions.LOG_LEVEL, "debug").mappingsFile(Path.of("other.yaml"))
                .set(DaemonOptions.UDP_IDLE_TIMEOUT, Duration.ofSeconds(5)).build();
        assertEquals(List.of(DaemonOptions.PORT_RANGE, DaemonOptions.UDP_IDLE_TIMEOUT),
                running.restartRequiredChanges(fresh));
        assertEquals(List.of(), running.restartRequiredChanges(running));
    }
}
