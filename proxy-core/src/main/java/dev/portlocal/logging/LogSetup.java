package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Configures logback in code: found through {@code META-INF/services}, so it replaces logback's own default (debug
 * on stdout) in the daemon, the CLI and every test JVM. Events go to stderr through {@link KeyValueLayout}, in the
 * journal's format when {@code JOURNAL_STREAM} is set. The level starts at info; Netty's loggers stay at warn.
 *
 * <p>Threading: {@link #level(String)} may be called at any time, from any thread; logback's levels are volatile.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String NETTY = "io.netty";

    public LogSetup() {
        // For ServiceLoader.
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        install(context, System.getenv("JOURNAL_STREAM") != null);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void install(LoggerContext context, boolean journal) {
        KeyValueLayout layout = new KeyValueLayout(journal);
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.INFO);
        context.getLogger(NETTY).setLevel(Level.WARN);
    }

    /**
     * Sets the level of every portlocal logger (Netty's stay at warn); takes effect at once, also at runtime.
     *
     * @throws IllegalArgumentException if {@code level} is not trace, debug, info, warn or error
     */
    public static void level(String level) {
        Level parsed = parse(level);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(parsed);
        }
    }

    /** Validates a level name without applying it. */
    public static Level parse(String level) {
        switch (level.toLowerCase(Locale.ROOT)) {
            case "trace":
                return Level.TRACE;
            case "debug":
                return Level.DEBUG;
            case "info":
                return Level.INFO;
            case "warn":
                return Level.WARN;
            case "error":
                return Level.ERROR;
            default:
                throw new IllegalArgumentException("log level: " + level
                        + " (expected: trace, debug, info, warn or error)");
        }
    }
}
