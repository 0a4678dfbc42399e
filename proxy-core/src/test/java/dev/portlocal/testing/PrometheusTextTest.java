package dev.portlocal.testing;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The test-side parser is strict: these are the mistakes it must catch. */
class PrometheusTextTest {

    private static final String GOOD = "# HELP x_total Help.\n# TYPE x_total counter\nx_total{a=\"q\\\"\"} 2.0\n"
            + "# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 3.5\n";

    @Test
    void parsesLabelsEscapesAndHistograms() {
        PrometheusText t = PrometheusText.parse(GOOD);
        assertEquals(2.0, t.value("x_total", Map.of("a", "q\"")));
        assertEquals(3.5, t.value("h_sum", Map.of()));
        assertEquals("histogram", t.types().get("h"));
    }

    @Test
    void rejectsWhatTheFormatForbids() {
        assertThrows(AssertionError.class, () -> PrometheusText.parse("x 1\n"), "no TYPE");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x gauge\nx 1\nx 2\n"), "duplicate");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x gauge\nx one\n"), "value");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x gauge\nx{a=\"\\t\"} 1\n"), "escape");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x gauge\nx 1"), "newline");
        assertThrows(AssertionError.class, () -> PrometheusText.parse(
                "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse(
                "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 2\nh_sum 0\n"));
    }
}
