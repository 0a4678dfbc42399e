package dev.portlocal.api;

/**
 * What {@code GET /metrics} serves. The daemon implements it with the Prometheus client; the API only passes the
 * bytes on, so the control plane depends on no metrics library.
 *
 * <p>Threading: {@link #scrape()} is called on the control executor, one call at a time.
 */
public interface MetricsSource {

    /** The media type of {@link #scrape()}'s bytes, e.g. {@code text/plain; version=0.0.4; charset=utf-8}. */
    String contentType();

    /** Collects every metric now and renders it. */
    byte[] scrape();
}
