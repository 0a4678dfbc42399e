package dev.portlocal.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Records every event logged in this JVM while open, through a logback appender on the root logger, next to the
 * real one. For in-process daemons; a daemon process's output is read with {@link DaemonProcess#output()}.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        appender.setContext(context);
        appender.setName("test-capture");
        appender.start();
        root.addAppender(appender);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** The events named {@code event} (the message), in the order logged. */
    public List<ILoggingEvent> events(String event) {
        // AppenderBase appends under the appender's monitor.
        synchronized (appender) {
            return appender.list.stream().filter(e -> event.equals(e.getMessage())).toList();
        }
    }

    /** How many events named {@code event} were logged. */
    public int count(String event) {
        return events(event).size();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
