package dev.portlocal.bench.runner;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * The run's progress lines (to the console) and its notes (to the report: skipped targets, failures, the deadline).
 * Used from the runner's thread only.
 */
final class RunLog {

    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();

    RunLog(PrintStream out) {
        this.out = requireNonNull(out, "out");
    }

    void log(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /** A line for the report's notes, also printed. */
    void note(String note) {
        notes.add(note);
        out.println("note: " + note);
        out.flush();
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    static String firstLine(String text) {
        String t = String.valueOf(text);
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
