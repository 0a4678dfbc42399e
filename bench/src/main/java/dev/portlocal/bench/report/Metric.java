package dev.portlocal.bench.report;

import static java.util.Objects.requireNonNull;

/**
 * One reported figure: {@code id} is stable ({@code bulk.up.p1.gbps}), {@code workload} groups figures into a
 * table, {@code better} says which way a ratio is good.
 */
public record Metric(String id, String workload, String label, String unit, Better better, int decimals) {

    public enum Better {
        HIGHER, LOWER;

        /** The better of two values. */
        double best(double a, double b) {
            return this == HIGHER ? Math.max(a, b) : Math.min(a, b);
        }
    }

    public Metric {
        requireNonNull(id, "id");
        requireNonNull(workload, "workload");
        requireNonNull(label, "label");
        requireNonNull(unit, "unit");
        requireNonNull(better, "better");
        if (decimals < 0 || decimals > 6) {
            throw new IllegalArgumentException("decimals: " + decimals + " (expected: 0-6)");
        }
    }
}
