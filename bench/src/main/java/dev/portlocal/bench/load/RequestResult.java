package dev.portlocal.bench.load;

import org.HdrHistogram.Histogram;

import static java.util.Objects.requireNonNull;

/**
 * The completed requests (or connections) of one measured interval: every one is a latency in the histogram, in
 * nanoseconds. {@code errors} counts failed connects and connections closed before their response.
 */
public record RequestResult(Histogram latencies, Window.Measured measured, long errors) {

    public RequestResult {
        requireNonNull(latencies, "latencies");
        requireNonNull(measured, "measured");
    }

    public double perSecond() {
        return latencies.getTotalCount() / measured.seconds();
    }

    /** Latency at {@code percentile} (0-100) in milliseconds. */
    public double millisAt(double percentile) {
        return latencies.getValueAtPercentile(percentile) / 1e6;
    }

    public double maxMillis() {
        return latencies.getMaxValue() / 1e6;
    }

    /** Target CPU microseconds per completed request or connection; NaN without a proxy or without completions. */
    public double cpuMicrosPerOperation() {
        long count = latencies.getTotalCount();
        return count == 0 ? Double.NaN : measured.cpuSeconds() * 1e6 / count;
    }

    /** The machine's busy CPU microseconds per completed request or connection; NaN where it was not read. */
    public double machineCpuMicrosPerOperation() {
        long count = latencies.getTotalCount();
        return count == 0 ? Double.NaN : measured.machineCpuSeconds() * 1e6 / count;
    }
}
