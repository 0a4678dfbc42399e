package dev.portlocal.api;

import java.util.Optional;

/**
 * What {@code GET /metrics} serves. The daemon implements it with the Prometheus client; the API only passes the
 * bytes on, so the control plane depends on no metrics library.
 *
 * <p>Threading: {@link #scrape} is called on the control executor, one call at a time.
 */
public interface MetricsSource {

    /** One rendering: its media type, e.g. {@code text/plain; version=0.0.4; charset=utf-8}, and its bytes. */
    record Exposition(String contentType, byte[] body) {
    }

    /**
     * Collects every metric now and renders it in the format the scraper's {@code Accept} header asks for
     * (OpenMetrics when it asks for {@code application/openmetrics-text}, else the Prometheus text format).
     */
    Exposition scrape(Optional<String> accept);

    /** The Prometheus text format. */
    default byte[] scrape() {
        return scrape(Optional.empty()).body();
    }
}
