package dev.portlocal.model;

/**
 * An inclusive range of node ports, written {@code start-end}. The default is NodePortLocal's Linux default,
 * 61000-62000, which sits above the kernel's default ephemeral range (32768-60999).
 */
public record PortRange(int start, int end) {

    public static final PortRange DEFAULT = new PortRange(61000, 62000);

    /** What {@link #checkPort} accepts, in words. */
    public static final String PORTS = "1-65535";

    public PortRange {
        checkPort("port range start", start);
        checkPort("port range end", end);
        if (start > end) {
            throw new IllegalArgumentException(
                    "port range: " + start + "-" + end + " (expected: start <= end)");
        }
    }

    /**
     * Parses {@code start-end}.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static PortRange parse(String value) {
        String text = value == null ? "" : value.trim();
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            throw new IllegalArgumentException("port range: " + value + " (expected: start-end, e.g. 61000-62000)");
        }
        int start;
        int end;
        try {
            start = Integer.parseInt(text.substring(0, dash).trim());
            end = Integer.parseInt(text.substring(dash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port range: " + value + " (expected: start-end, e.g. 61000-62000)");
        }
        return new PortRange(start, end);
    }

    public boolean contains(int port) {
        return port >= start && port <= end;
    }

    public int size() {
        return end - start + 1;
    }

    /** True if the two ranges share at least one port. */
    public boolean overlaps(PortRange other) {
        return start <= other.end && other.start <= end;
    }

    /**
     * Checks that {@code port} is a port number, 1-65535.
     *
     * @throws FieldException naming {@code field} and the value
     */
    public static int checkPort(String field, int port) {
        if (port < 1 || port > 65535) {
            throw new FieldException(field, port + " (expected: " + PORTS + ")");
        }
        return port;
    }

    /**
     * Checks that {@code port} lies inside this range, as a pinned node port must.
     *
     * @throws FieldException naming {@code field} and the value
     */
    public int checkContains(String field, int port) {
        if (!contains(port)) {
            throw new FieldException(field, port + " (expected: " + containsExpected() + ")");
        }
        return port;
    }

    /** What {@link #checkContains} accepts, in words: {@code inside port range 61000-62000}. */
    public String containsExpected() {
        return "inside port range " + this;
    }

    @Override
    public String toString() {
        return start + "-" + end;
    }
}
