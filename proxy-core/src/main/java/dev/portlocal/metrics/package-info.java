/**
 * Prometheus metrics, built with the official Prometheus Java client (1.x) and served as text on the API's
 * {@code GET /metrics}. Values live in the data plane's and control plane's own objects; a scrape reads them
 * (callback metrics and one {@link io.prometheus.metrics.model.registry.MultiCollector}), so the hot path never
 * writes into the registry. The data plane's readings come raw from each protocol plane; {@code DataPlaneSampler}
 * aggregates them into one {@link dev.portlocal.metrics.DataPlaneSnapshot} per scrape, holding byte totals so they
 * never go back and standing in for a loop that did not answer in time.
 *
 * <p>Threading: scrapes run on the daemon's control thread, one at a time; reload counts are incremented there too.
 */
package dev.portlocal.metrics;
