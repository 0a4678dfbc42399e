/**
 * Results of a run and their rendering: per-run samples, medians and ratios, a markdown report and SVG charts
 * written by hand (no plotting dependency).
 *
 * <p>Threading: plain single-threaded objects, filled and rendered by the runner's thread.
 */
package dev.portlocal.bench.report;
