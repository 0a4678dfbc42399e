package dev.portlocal.cli;

import dev.portlocal.logging.LogSetup;
import org.slf4j.LoggerFactory;

/**
 * The CLI's view of logging: logback is configured by {@link LogSetup} when the first logger is created; commands
 * only change the level.
 */
final class Logging {

    private Logging() {
    }

    /** Starts the log backend, so its setup runs before any command logs. */
    static void configureDefaults() {
        LoggerFactory.getILoggerFactory();
    }

    /** Sets the level for every portlocal logger, at start or at runtime. */
    static void level(String level) {
        LogSetup.level(level);
    }

    /** Validates {@code level} without applying it. */
    static void validate(String level) {
        LogSetup.parse(level);
    }
}
