package dev.portlocal.bench.load;

import org.HdrHistogram.Histogram;

import static java.util.Objects.requireNonNull;

/**
 * What the UDP echo workload saw in one measured interval. {@code echoed} datagrams came back in time, each a
 * round-trip latency in the histogram; {@code lost} were not echoed within the loss timeout (never retried);
 * {@code late} echoes arrived after their datagram was declared lost, or twice; {@code errors} counts socket errors
 * (e.g. ICMP port unreachable), sockets closed under the workload and malformed echoes.
 */
public record UdpResult(long echoed, long lost, long late, long errors, Histogram latencies,
        Window.Measured measured) {

    public UdpResult {
        requireNonNull(latencies, "latencies");
        requireNonNull(measured, "measured");
        if (echoed < 0 || lost < 0 || late < 0 || errors < 0) {
            throw new IllegalArgumentException("counts: echoed=" + echoed + " lost=" + lost + " late=" + late
                    + " errors=" + errors + " (expected: >= 0)");
        }
    }

    /** Echoed datagrams per second: each is one round trip, two datagrams through a proxy. */
    public double perSecond() {
        return echoed / measured.seconds();
    }

    /** Lost datagrams as a percentage of those whose fate was decided; NaN if none was. */
    public double lossPercent() {
        long decided = echoed + lost;
        return decided == 0 ? Double.NaN : 100.0 * lost / decided;
    }

    /** Target CPU microseconds per echoed datagram (both directions); NaN without a proxy or without echoes. */
    public double cpuMicrosPerDatagram() {
        return echoed == 0 ? Double.NaN : measured.cpuSeconds() * 1e6 / echoed;
    }

    /** The machine's busy CPU microseconds per echoed datagram; NaN where it was not read. */
    public double machineCpuMicrosPerDatagram() {
        return echoed == 0 ? Double.NaN : measured.machineCpuSeconds() * 1e6 / echoed;
    }

    /** The echoes as request/response exchanges, for the request tables and latency curves. */
    public RequestResult asRequests() {
        return new RequestResult(latencies, measured, errors);
    }
}
