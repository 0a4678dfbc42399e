package dev.portlocal.metrics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bounds are written as Go's {@code strconv.FormatFloat(v, 'g', -1, 64)} writes them: the shortest digits, plain
 * for a decimal exponent from -4 to 5, else {@code d.ddde±XX}.
 */
class BoundsTest {

    @Test
    void floatsAsPrometheusWritesThem() {
        assertEquals("0.0001", Bounds.format(1.0E-4));
        assertEquals("0.00025", Bounds.format(2.5E-4));
        assertEquals("2.5e-05", Bounds.format(2.5E-5));
        assertEquals("1", Bounds.format(1.0));
        assertEquals("2.5", Bounds.format(2.5));
        assertEquals("0.1", Bounds.format(0.1));
        assertEquals("100000", Bounds.format(1e5));
        assertEquals("1e+06", Bounds.format(1e6));
        assertEquals("1.5e+07", Bounds.format(1.5e7));
        assertEquals("1e-05", Bounds.format(1e-5));
        assertEquals("-0.5", Bounds.format(-0.5));
        assertEquals("0", Bounds.format(0));
        assertEquals("+Inf", Bounds.format(Double.POSITIVE_INFINITY));
        assertEquals("0.99", Bounds.format(0.99));
    }

    @Test
    void onlyBoundLabelsAreRewritten() {
        String in = "x_bucket{endpoint=\"a\",le=\"1.0E-4\"} 0\nx_bucket{le=\"+Inf\"} 3\n"
                + "y{quantile=\"0.5\",le_other=\"1.0E-4\"} 1\nz{endpoint=\"sle=1.0\"} 2\n";
        String out = new String(Bounds.canonical(in.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertEquals("x_bucket{endpoint=\"a\",le=\"0.0001\"} 0\nx_bucket{le=\"+Inf\"} 3\n"
                + "y{quantile=\"0.5\",le_other=\"1.0E-4\"} 1\nz{endpoint=\"sle=1.0\"} 2\n", out);
    }
}
