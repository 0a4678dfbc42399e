package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One line per event: {@code 2025-01-31T12:00:00.123Z level=info logger=Daemon event=started ...}. The message
 * itself is already key=value (STYLE.md 10).
 *
 * <p>For the journal ({@code JOURNAL_STREAM} set) there is no timestamp, since journald adds its own, and the line
 * starts with the syslog priority systemd reads from a stream: {@code <3>} error, {@code <4>} warn, {@code <6>}
 * info, {@code <7>} debug and trace. A throwable's stack follows on its own lines, each with the same prefix.
 */
public final class KeyValueLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);

    private final boolean journal;

    public KeyValueLayout(boolean journal) {
        this.journal = journal;
    }

    /** The journal's priority prefix for {@code level}. */
    static String journalPrefix(Level level) {
        switch (level.toInt()) {
            case Level.ERROR_INT:
                return "<3>";
            case Level.WARN_INT:
                return "<4>";
            case Level.INFO_INT:
                return "<6>";
            default:
                return "<7>";
        }
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        String prefix = journal ? journalPrefix(event.getLevel()) : "";
        sb.append(prefix);
        if (!journal) {
            sb.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ');
        }
        sb.append("level=").append(event.getLevel().toString().toLowerCase(Locale.ROOT))
                .append(" logger=").append(shortName(event.getLoggerName()))
                .append(' ').append(oneLine(event.getFormattedMessage()))
                .append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            for (String line : ThrowableProxyUtil.asString(thrown).split("\\R")) {
                if (!line.isEmpty()) {
                    sb.append(prefix).append(line.replace('\t', ' ')).append(CoreConstants.LINE_SEPARATOR);
                }
            }
        }
        return sb.toString();
    }

    private static String shortName(String loggerName) {
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }

    /** A message with a newline would break the one-line-per-event contract and fake a journal prefix. */
    private static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        if (message.indexOf('\n') < 0 && message.indexOf('\r') < 0) {
            return message;
        }
        return message.replace("\r", "\\r").replace("\n", "\\n");
    }
}
