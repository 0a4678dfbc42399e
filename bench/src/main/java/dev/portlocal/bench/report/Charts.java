package dev.portlocal.bench.report;

import org.HdrHistogram.Histogram;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The report's two charts, as SVG text: bars of each target's ratio to direct for the headline figures, and latency
 * against percentile curves (log-log, as HdrHistogram's plotter draws them) for one workload.
 */
public final class Charts {

    private Charts() {
    }

    /** Grouped bars: one group per metric, one bar per non-direct target, with a dashed line at 100%. */
    public static String ratioBars(ResultTable table, List<Metric> metrics) {
        List<String> all = table.targetNames();
        List<String> targets = all.stream()
                .filter(t -> table.kind(t) != TargetKind.DIRECT).toList();
        int groupWidth = Math.max(60, targets.size() * 18 + 20);
        int left = 60;
        int top = 30;
        int plotHeight = 260;
        int width = left + Math.max(1, metrics.size()) * groupWidth + 180;
        int height = top + plotHeight + 120;
        double max = 1.0;
        for (Metric m : metrics) {
            for (String t : targets) {
                OptionalDouble r = table.ratioToDirect(t, m.id());
                if (r.isPresent()) {
                    max = Math.max(max, r.getAsDouble());
                }
            }
        }
        max = Math.ceil(max * 4) / 4;
        Svg svg = new Svg(width, height);
        svg.text(left, 18, "start", "Median ratio to direct (same run); higher is better");
        for (int tick = 0; tick <= 4; tick++) {
            double v = max * tick / 4;
            double y = top + plotHeight - v / max * plotHeight;
            svg.line(left, y, width - 180, y, "#dddddd", 1, false);
            svg.text(left - 6, y + 4, "end", String.format(Locale.ROOT, "%.0f%%", v * 100));
        }
        double y100 = top + plotHeight - 1.0 / max * plotHeight;
        svg.line(left, y100, width - 180, y100, "#000000", 1, true);
        for (int g = 0; g < metrics.size(); g++) {
            Metric m = metrics.get(g);
            double x0 = left + g * groupWidth + 10;
            for (int i = 0; i < targets.size(); i++) {
                OptionalDouble r = table.ratioToDirect(targets.get(i), m.id());
                if (r.isEmpty()) {
                    continue;
                }
                double h = r.getAsDouble() / max * plotHeight;
                svg.rect(x0 + i * 18, top + plotHeight - h, 16, h, Svg.colour(all.indexOf(targets.get(i))),
                        targets.get(i) + " " + m.label() + ": "
                                + String.format(Locale.ROOT, "%.0f%%", r.getAsDouble() * 100));
            }
            svg.rotatedText(x0 + groupWidth / 2.0, top + plotHeight + 16, m.label());
        }
        legend(svg, width - 170, top, targets, all);
        return svg.finish();
    }

    /** Percentile positions drawn, from the median to 99.999%. */
    private static final double[] PERCENTILES = percentiles();

    private static double[] percentiles() {
        List<Double> ps = new ArrayList<>();
        for (double x = 0.301; x <= 5.0001; x += 0.05) { // log10(1 / (1 - p)), p from 50% to 99.999%
            ps.add(100 * (1 - Math.pow(10, -x)));
        }
        return ps.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Latency (ms, log scale) against percentile (log scale of 1/(1-p)), one curve per target. */
    public static String latencyCurves(String title, Map<String, Histogram> byTarget, List<String> order) {
        int left = 70;
        int top = 30;
        int plotWidth = 520;
        int plotHeight = 300;
        int width = left + plotWidth + 200;
        int height = top + plotHeight + 50;
        double minMs = Double.MAX_VALUE;
        double maxMs = 0;
        for (Histogram h : byTarget.values()) {
            if (h.getTotalCount() == 0) {
                continue;
            }
            minMs = Math.min(minMs, Math.max(1e-3, h.getValueAtPercentile(50) / 1e6));
            maxMs = Math.max(maxMs, h.getMaxValue() / 1e6);
        }
        if (maxMs == 0) {
            minMs = 0.01;
            maxMs = 1;
        }
        double lo = Math.floor(Math.log10(minMs));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(maxMs)));
        Svg svg = new Svg(width, height);
        svg.text(left, 18, "start", title + ": latency by percentile (ms, log scale)");
        for (double d = lo; d <= hi; d++) {
            double y = top + plotHeight - (d - lo) / (hi - lo) * plotHeight;
            svg.line(left, y, left + plotWidth, y, "#dddddd", 1, false);
            svg.text(left - 6, y + 4, "end", formatMillis(Math.pow(10, d)));
        }
        String[] labels = {"50%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int i = 0; i < labels.length; i++) {
            double logX = i == 0 ? 0.301 : i;
            double x = left + (logX - 0.301) / (5 - 0.301) * plotWidth;
            svg.line(x, top, x, top + plotHeight, "#eeeeee", 1, false);
            svg.text(x, top + plotHeight + 16, "middle", labels[i]);
        }
        List<String> drawn = new ArrayList<>();
        for (String target : order) {
            Histogram h = byTarget.get(target);
            if (h == null || h.getTotalCount() == 0) {
                continue;
            }
            double[] xs = new double[PERCENTILES.length];
            double[] ys = new double[PERCENTILES.length];
            for (int i = 0; i < PERCENTILES.length; i++) {
                double p = PERCENTILES[i];
                double logX = Math.log10(100 / (100 - p));
                xs[i] = left + (logX - 0.301) / (5 - 0.301) * plotWidth;
                double ms = Math.max(Math.pow(10, lo), h.getValueAtPercentile(p) / 1e6);
                ys[i] = top + plotHeight - (Math.log10(ms) - lo) / (hi - lo) * plotHeight;
            }
            svg.polyline(xs, ys, Svg.colour(order.indexOf(target)));
            drawn.add(target);
        }
        legend(svg, left + plotWidth + 20, top, drawn, order);
        return svg.finish();
    }

    private static void legend(Svg svg, double x, double y, List<String> names, List<String> order) {
        for (int i = 0; i < names.size(); i++) {
            svg.rect(x, y + i * 18, 12, 12, Svg.colour(order.indexOf(names.get(i))), null);
            svg.text(x + 18, y + i * 18 + 11, "start", names.get(i));
        }
    }

    static String formatMillis(double ms) {
        return new BigDecimal(ms).round(new MathContext(2)).stripTrailingZeros().toPlainString() + " ms";
    }
}
