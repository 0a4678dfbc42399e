package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyValueLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("dev.portlocal.daemon.Daemon");

    private LoggingEvent event(Level level, String message, Throwable t, Object... keyValues) {
        LoggingEvent e = new LoggingEvent("fqcn", logger, level, message, t, null);
        for (int i = 0; i < keyValues.length; i += 2) {
            e.addKeyValuePair(new org.slf4j.event.KeyValuePair((String) keyValues[i], keyValues[i + 1]));
        }
        return e;
    }

    @Test
    void forTheJournalEachLevelGetsItsPriorityAndNoTimestamp() {
        KeyValueLayout journal = new KeyValueLayout(true);
        assertEquals("<3>level=error logger=Daemon event=x a=1\n", journal.doLayout(event(Level.ERROR, "x", null,
                "a", 1)));
        assertEquals("<4>level=warn logger=Daemon event=x\n", journal.doLayout(event(Level.WARN, "x", null)));
        assertEquals("<6>level=info logger=Daemon event=x\n", journal.doLayout(event(Level.INFO, "x", null)));
        assertEquals("<7>level=debug logger=Daemon event=x\n", journal.doLayout(event(Level.DEBUG, "x", null)));
        assertEquals("<7>level=trace logger=Daemon event=x\n", journal.doLayout(event(Level.TRACE, "x", null)));
    }

    @Test
    void onATerminalLinesStartWithAnUtcTimestamp() {
        String line = new KeyValueLayout(false).doLayout(event(Level.INFO, "started", null));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=info logger=Daemon "
                + "event=started\n"), line);
    }

    @Test
    void valuesAreQuotedAndEscapedSoALineAlwaysParses() {
        KeyValueLayout journal = new KeyValueLayout(true);
        String line = journal.doLayout(event(Level.WARN, "reload_rejected", null,
                "error", "name: \"a b\" (expected: x=y)", "path", "C:\\tmp", "lines", "a\nb\rc\td", "empty", "",
                "bell", "\u0007", "plain", "61000", "nothing", null));
        assertEquals("<4>level=warn logger=Daemon event=reload_rejected error=\"name: \\\"a b\\\" (expected: x=y)\" "
                + "path=\"C:\\\\tmp\" lines=\"a\\nb\\rc\\td\" empty=\"\" bell=\"\\u0007\" plain=61000 nothing=null\n",
                line);
        Map<String, String> parsed = LogfmtParser.parse(line.substring(3, line.length() - 1));
        assertEquals("name: \"a b\" (expected: x=y)", parsed.get("error"));
        assertEquals("a\nb\rc\td", parsed.get("lines"));
        assertEquals("C:\\tmp", parsed.get("path"));
    }

    @Test
    void proseFromALibraryBecomesAQuotedMsgAndStaysOnOneLine() {
        KeyValueLayout journal = new KeyValueLayout(true);
        assertEquals("<6>level=info logger=Daemon msg=\"Something happened:\\nsee \\\"x\\\"\"\n",
                journal.doLayout(event(Level.INFO, "Something happened:\nsee \"x\"", null)));
    }

    @Test
    void aStackTraceKeepsThePrefixOnEveryLine() {
        String withStack = new KeyValueLayout(true).doLayout(event(Level.ERROR, "failed", new IOException("boom")));
        for (String line : withStack.split("\n")) {
            assertTrue(line.startsWith("<3>"), line);
        }
        assertTrue(withStack.contains("java.io.IOException: boom"), withStack);
    }

    @Test
    void jsonLayoutWritesOneObjectPerLineWithTypedValues() throws IOException {
        String line = new JsonLayout().doLayout(event(Level.WARN, "listener_bound", new IOException("boom"),
                "nodePort", 61000, "ok", true, "target", "[::1]:80", "level", "shadowed", "quote", "a\"b\nc"));
        assertTrue(line.endsWith("\n"));
        assertFalse(line.substring(0, line.length() - 1).contains("\n"), line);
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("warn", json.get("level").asText());
        assertEquals("Daemon", json.get("logger").asText());
        assertEquals("listener_bound", json.get("event").asText());
        assertEquals(61000, json.get("nodePort").asInt());
        assertTrue(json.get("nodePort").isNumber());
        assertTrue(json.get("ok").isBoolean());
        assertEquals("[::1]:80", json.get("target").asText());
        assertEquals("shadowed", json.get("level_").asText(), "a key never overwrites a fixed field");
        assertEquals("a\"b\nc", json.get("quote").asText());
        assertTrue(json.get("stack").asText().contains("java.io.IOException: boom"));
        assertTrue(json.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
    }

    @Test
    void levelsAndFormatsAreValidatedByName() {
        assertEquals(Level.DEBUG, LogSetup.parse("DEBUG"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogSetup.parse("loud"));
        assertEquals("log level: loud (expected: trace, debug, info, warn or error)", e.getMessage());
        assertTrue(LogSetup.parseFormat("json"));
        assertFalse(LogSetup.parseFormat("logfmt"));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> LogSetup.parseFormat("xml"));
        assertEquals("log format: xml (expected: logfmt or json)", f.getMessage());
    }
}
