package dev.portlocal.cli;

import java.util.Locale;

/**
 * Configures slf4j-simple through its system properties. It reads them once, when the first logger is created, so
 * this runs before any command creates one.
 */
final class Logging {

    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    static void configureDefaults() {
        setIfAbsent("logFile", "System.err");
        // Under systemd (JOURNAL_STREAM set) the journal adds its own timestamps.
        boolean journal = System.getenv("JOURNAL_STREAM") != null;
        setIfAbsent("showDateTime", journal ? "false" : "true");
        setIfAbsent("dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("showThreadName", "false");
        setIfAbsent("showShortLogName", "true");
        setIfAbsent("levelInBrackets", "false");
        setIfAbsent("defaultLogLevel", "info");
        setIfAbsent("log.io.netty", "warn");
    }

    /** Sets the level for every portlocal logger; call before the first logger is created. */
    static void level(String level) {
        String l = level.toLowerCase(Locale.ROOT);
        switch (l) {
            case "trace":
            case "debug":
            case "info":
            case "warn":
            case "error":
                System.setProperty(PREFIX + "defaultLogLevel", l);
                return;
            default:
                throw new IllegalArgumentException("log level: " + level + " (expected: trace, debug, info, warn or error)");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(PREFIX + key) == null) {
            System.setProperty(PREFIX + key, value);
        }
    }
}
