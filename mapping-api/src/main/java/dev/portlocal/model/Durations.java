package dev.portlocal.model;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT30S}). */
public final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** What {@link #parse} accepts, in words, for error messages. */
    public static final String EXPECTED = "a duration such as 500ms, 30s, 5m, 1h";

    private Durations() {
    }

    /**
     * Writes {@code d} so that {@link #parse} reads it back: whole hours, minutes or seconds as {@code 1h},
     * {@code 5m}, {@code 30s}, anything finer in milliseconds ({@code 1500ms}); a negative duration, or one finer
     * than a millisecond, in ISO-8601 ({@code PT-1S}).
     */
    public static String format(Duration d) {
        if (d.isNegative() || d.toNanosPart() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /**
     * Parses {@code value}.
     *
     * @throws FieldException naming {@code field} and the value
     */
    public static Duration parse(String field, String value) {
        String text = value == null ? "" : value.trim();
        Matcher m = SIMPLE.matcher(text);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                switch (m.group(2)) {
                    case "ms":
                        return Duration.ofMillis(n);
                    case "s":
                        return Duration.ofSeconds(n);
                    case "m":
                        return Duration.ofMinutes(n);
                    default:
                        return Duration.ofHours(n);
                }
            }
            if (text.startsWith("P") || text.startsWith("p")) {
                return Duration.parse(text);
            }
        } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
            // fall through to the message below
        }
        throw new FieldException(field, value + " (expected: " + EXPECTED + ")");
    }
}
