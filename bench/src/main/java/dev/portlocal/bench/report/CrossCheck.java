package dev.portlocal.bench.report;

import java.util.List;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;

/**
 * The generator's own direct figure against a reference tool's (iperf3, wrk) on the same path, to show the
 * generator is not the bottleneck: it should reach {@link #REQUIRED_RATIO} of the tool.
 */
public record CrossCheck(String label, String tool, List<Double> harness, List<Double> reference) {

    public static final double REQUIRED_RATIO = 0.8;

    public CrossCheck {
        requireNonNull(label, "label");
        requireNonNull(tool, "tool");
        harness = List.copyOf(harness);
        reference = List.copyOf(reference);
    }

    /** Median of the harness over median of the tool; empty if either never ran. */
    public OptionalDouble ratio() {
        OptionalDouble h = ResultTable.median(harness);
        OptionalDouble r = ResultTable.median(reference);
        if (h.isEmpty() || r.isEmpty() || r.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(h.getAsDouble() / r.getAsDouble());
    }

    public boolean passes() {
        OptionalDouble ratio = ratio();
        return ratio.isPresent() && ratio.getAsDouble() >= REQUIRED_RATIO;
    }
}
