package dev.portlocal.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One JSON object per line ({@code --log-format json}), with the same fields as {@link KeyValueLayout}:
 * {@code {"time":"...","level":"info","logger":"Daemon","event":"started","threads":2}}. Numbers and booleans stay
 * JSON numbers and booleans; anything else is a string. A key that repeats a fixed field (or an earlier key) gets a
 * {@code _} suffix rather than producing a duplicate key. A throwable goes in {@code "stack"}.
 *
 * <p>Threading: called by logback on the logging thread; keeps no state but the thread-safe factory.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            Set<String> keys = new HashSet<>(List.of("time", "level", "logger", "event", "msg", "stack"));
            g.writeStartObject();
            g.writeStringField("time", KeyValueLayout.TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
            g.writeStringField("level", event.getLevel().toString().toLowerCase(Locale.ROOT));
            g.writeStringField("logger", KeyValueLayout.shortName(event.getLoggerName()));
            String message = event.getFormattedMessage();
            if (Logfmt.isEventName(message)) {
                g.writeStringField("event", message);
            } else if (message != null && !message.isEmpty()) {
                g.writeStringField("msg", message);
            }
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            if (pairs != null) {
                for (KeyValuePair pair : pairs) {
                    String key = pair.key;
                    while (!keys.add(key)) {
                        key = key + "_";
                    }
                    g.writeFieldName(key);
                    writeValue(g, pair.value);
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                g.writeStringField("stack", ThrowableProxyUtil.asString(thrown));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Boolean) {
            g.writeBoolean((Boolean) value);
        } else {
            g.writeString(String.valueOf(value));
        }
    }
}
