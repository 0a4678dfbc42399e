package dev.portlocal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyValueLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("dev.portlocal.daemon.Daemon");

    private LoggingEvent event(Level level, String message, Throwable t, Object... args) {
        return new LoggingEvent("fqcn", logger, level, message, t, args);
    }

    @Test
    void forTheJournalEachLevelGetsItsPriorityAndNoTimestamp() {
        KeyValueLayout journal = new KeyValueLayout(true);
        assertEquals("<3>level=error logger=Daemon event=x a=1\n", journal.doLayout(event(Level.ERROR, "event=x a={}",
                null, 1)));
        assertEquals("<4>level=warn logger=Daemon event=x\n", journal.doLayout(event(Level.WARN, "event=x", null)));
        assertEquals("<6>level=info logger=Daemon event=x\n", journal.doLayout(event(Level.INFO, "event=x", null)));
        assertEquals("<7>level=debug logger=Daemon event=x\n", journal.doLayout(event(Level.DEBUG, "event=x", null)));
        assertEquals("<7>level=trace logger=Daemon event=x\n", journal.doLayout(event(Level.TRACE, "event=x", null)));
    }

    @Test
    void onATerminalLinesStartWithAnUtcTimestamp() {
        String line = new KeyValueLayout(false).doLayout(event(Level.INFO, "event=started", null));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=info logger=Daemon "
                + "event=started\n"), line);
    }

    @Test
    void aMessageStaysOnOneLineAndAStackTraceKeepsThePrefix() {
        KeyValueLayout journal = new KeyValueLayout(true);
        assertEquals("<6>level=info logger=Daemon error=\"a\\nb\"\n",
                journal.doLayout(event(Level.INFO, "error=\"a\nb\"", null)));
        String withStack = journal.doLayout(event(Level.ERROR, "event=failed", new IOException("boom")));
        for (String line : withStack.split("\n")) {
            assertTrue(line.startsWith("<3>"), line);
        }
        assertTrue(withStack.contains("java.io.IOException: boom"), withStack);
    }

    @Test
    void levelsAreValidatedByName() {
        assertEquals(Level.DEBUG, LogSetup.parse("DEBUG"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogSetup.parse("loud"));
        assertEquals("log level: loud (expected: trace, debug, info, warn or error)", e.getMessage());
    }
}
