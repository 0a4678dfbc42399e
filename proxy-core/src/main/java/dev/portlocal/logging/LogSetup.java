package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Configures logback in code: found through {@code META-INF/services}, so it replaces logback's own default (debug
 * on stdout) in the daemon, the CLI and every test JVM. Events go to stderr through {@link KeyValueLayout}, in the
 * journal's format when {@code JOURNAL_STREAM} is set, or through {@link JsonLayout} after {@link #format}. The
 * level starts at info; Netty's loggers stay at warn.
 *
 * <p>Threading: {@link #level(String)} may be called at any time, from any thread; logback's levels are volatile.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String NETTY = "io.netty";
    /** fabric8's client logs each watch reconnect at info; the Kubernetes source logs the transitions itself. */
    static final String FABRIC8 = "io.fabric8";
    /** The access log's logger (see the data plane's AccessLog). */
    static final String ACCESS = "access";

    /** The format installed last: {@link #format} reinstalls the appender only when it changes. */
    private static boolean json;

    public LogSetup() {
        // For ServiceLoader.
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        install(context, System.getenv("JOURNAL_STREAM") != null);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static synchronized void install(LoggerContext context, boolean journal) {
        install(context, new KeyValueLayout(journal));
        json = false;
    }

    private static void install(LoggerContext context, LayoutBase<ILoggingEvent> layout) {
        Level level = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel();
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
        root.setLevel(level == null ? Level.INFO : level);
        context.getLogger(NETTY).setLevel(Level.WARN);
        context.getLogger(FABRIC8).setLevel(Level.WARN);
        // The access log is on or off by its own option (accessLog), not by --log-level.
        context.getLogger(ACCESS).setLevel(Level.INFO);
    }

    /**
     * Switches every line to {@code format}: {@code logfmt} (the default; in the journal's form under systemd) or
     * {@code json}, one object per line. Takes effect at once; the same format again changes nothing.
     *
     * @throws IllegalArgumentException if {@code format} is neither
     */
    public static synchronized void format(String format) {
        boolean wanted = parseFormat(format);
        if (wanted == json) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            install(context, wanted ? new JsonLayout() : new KeyValueLayout(System.getenv("JOURNAL_STREAM") != null));
            json = wanted;
        }
    }

    /** Validates a format name; true for {@code json}, false for {@code logfmt}. */
    public static boolean parseFormat(String format) {
        switch (format.toLowerCase(Locale.ROOT)) {
            case "logfmt":
                return false;
            case "json":
                return true;
            default:
                throw new IllegalArgumentException("log format: " + format + " (expected: logfmt or json)");
        }
    }

    /**
     * Sets the level of every portlocal logger (Netty's and fabric8's stay at warn); takes effect at once, also at
     * runtime.
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
