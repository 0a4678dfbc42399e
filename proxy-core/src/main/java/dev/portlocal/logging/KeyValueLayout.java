package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One logfmt line per event: {@code 2025-01-31T12:00:00.123Z level=info logger=Daemon event=started threads=2 ...}.
 * Code logs with SLF4J's fluent API: the message is the event's name, and every datum is a key-value pair, which
 * this layout quotes and escapes ({@link Logfmt}). A message that is not an event name (a library's prose) is
 * written as {@code msg="..."}, so even those lines parse.
 *
 * <p>For the journal ({@code JOURNAL_STREAM} set) there is no timestamp, since journald adds its own, and the line
 * starts with the syslog priority systemd reads from a stream: {@code <3>} error, {@code <4>} warn, {@code <6>}
 * info, {@code <7>} debug and trace. A throwable's stack follows on its own lines, each with the same prefix.
 */
public final class KeyValueLayout extends LayoutBase<ILoggingEvent> {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
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
                .append(" logger=").append(shortName(event.getLoggerName()));
        String message = event.getFormattedMessage();
        if (Logfmt.isEventName(message)) {
            sb.append(" event=").append(message);
        } else if (message != null && !message.isEmpty()) {
            Logfmt.appendPair(sb, "msg", message);
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                Logfmt.appendPair(sb, pair.key, pair.value);
            }
        }
        sb.append(CoreConstants.LINE_SEPARATOR);
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

    static String shortName(String loggerName) {
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }
}
