package dev.portlocal.bench.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpResultTest {

    private static UdpResult result(long echoed, long lost, double cpuSeconds) {
        return new UdpResult(echoed, lost, 3, 1, LatencyRecording.newHistogram(),
                new Window.Measured(2.0, cpuSeconds));
    }

    @Test
    void rateLossAndCpuPerEchoedDatagram() {
        UdpResult r = result(9_900, 100, 0.5);
        assertEquals(4_950, r.perSecond(), 1e-9);
        assertEquals(1.0, r.lossPercent(), 1e-9);
        assertEquals(0.5e6 / 9_900, r.cpuMicrosPerDatagram(), 1e-9);
        assertEquals(1, r.asRequests().errors());
    }

    @Test
    void nothingDecidedIsNotZeroLoss() {
        UdpResult r = result(0, 0, Double.NaN);
        assertTrue(Double.isNaN(r.lossPercent()));
        assertTrue(Double.isNaN(r.cpuMicrosPerDatagram()));
        assertEquals(100.0, result(0, 7, 0.1).lossPercent(), 1e-9);
    }

    @Test
    void withoutAProxyThereIsNoCpuFigure() {
        assertTrue(Double.isNaN(result(10, 0, Double.NaN).cpuMicrosPerDatagram()));
    }

    @Test
    void shapeNamesTheBadValue() {
        Duration t = Duration.ofMillis(200);
        assertEquals("payloadBytes: 8 (expected: 12-9000)", assertThrows(IllegalArgumentException.class,
                () -> new UdpEchoWorkload.Shape(1, 1, 8, t)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoWorkload.Shape(0, 1, 64, t));
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoWorkload.Shape(1, 0, 64, t));
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoWorkload.Shape(1, 1, 64, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> result(-1, 0, 0));
    }
}
