package dev.portlocal.bench.report;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Every figure of a run: one value per (target, metric, round), plus the latency histograms merged over rounds.
 * Ratios are taken within a round first (a target against direct, or against the best peer, measured minutes apart
 * on the same machine), and their median over rounds is reported.
 */
public final class ResultTable {

    private final Map<String, TargetKind> targets = new LinkedHashMap<>();
    private final Map<String, Metric> metrics = new LinkedHashMap<>();
    /** target -> metric id -> round -> value. */
    private final Map<String, Map<String, TreeMap<Integer, Double>>> values = new LinkedHashMap<>();
    /** workload -> a note shown under its heading. */
    private final Map<String, String> workloadNotes = new LinkedHashMap<>();
    /** workload -> target -> merged latency histogram. */
    private final Map<String, Map<String, Histogram>> histograms = new LinkedHashMap<>();

    /** Declares a target; the report lists targets in declaration order. */
    public void addTarget(String name, TargetKind kind) {
        requireNonNull(name, "name");
        requireNonNull(kind, "kind");
        TargetKind previous = targets.putIfAbsent(name, kind);
        if (previous != null && previous != kind) {
            throw new IllegalArgumentException("target: " + name + " (expected: one kind, got " + previous
                    + " and " + kind + ")");
        }
    }

    /** Records a value; NaN (not measurable, e.g. CPU of direct) is ignored. */
    public void add(String target, Metric metric, int round, double value) {
        requireNonNull(metric, "metric");
        if (!targets.containsKey(target)) {
            throw new IllegalArgumentException("target: " + target + " (expected: one of " + targets.keySet() + ")");
        }
        Metric known = metrics.putIfAbsent(metric.id(), metric);
        if (known != null && !known.equals(metric)) {
            throw new IllegalArgumentException("metric: " + metric.id() + " declared twice differently");
        }
        if (Double.isNaN(value)) {
            return;
        }
        values.computeIfAbsent(target, t -> new LinkedHashMap<>())
                .computeIfAbsent(metric.id(), m -> new TreeMap<>())
                .put(round, value);
    }

    /** Sets the note shown under a workload's heading, e.g. why a target has no rows there. */
    public void noteWorkload(String workload, String note) {
        workloadNotes.put(requireNonNull(workload, "workload"), requireNonNull(note, "note"));
    }

    /** The note under a workload's heading, or null. */
    public String workloadNote(String workload) {
        return workloadNotes.get(workload);
    }

    /** Merges a latency histogram of one run into the target's curve for {@code workload}. */
    public void addLatencies(String workload, String target, Histogram latencies) {
        histograms.computeIfAbsent(workload, w -> new LinkedHashMap<>())
                .computeIfAbsent(target, t -> new Histogram(latencies.getLowestDiscernibleValue(),
                        latencies.getHighestTrackableValue(), latencies.getNumberOfSignificantValueDigits()))
                .add(latencies);
    }

    public Map<String, TargetKind> targets() {
        return Map.copyOf(targets);
    }

    public List<String> targetNames() {
        return List.copyOf(targets.keySet());
    }

    public TargetKind kind(String target) {
        return targets.get(target);
    }

    public List<Metric> metrics() {
        return List.copyOf(metrics.values());
    }

    /** workload -> target -> histogram, in insertion order; the caller must not modify the histograms. */
    public Map<String, Map<String, Histogram>> latencies() {
        return histograms;
    }

    /** The rounds' values of one figure, in round order. */
    public List<Double> values(String target, String metricId) {
        TreeMap<Integer, Double> byRound = values.getOrDefault(target, Map.of()).get(metricId);
        return byRound == null ? List.of() : List.copyOf(byRound.values());
    }

    public OptionalDouble median(String target, String metricId) {
        return median(values(target, metricId));
    }

    /** Median over rounds of this target's value divided by direct's value from the same round. */
    public OptionalDouble ratioToDirect(String target, String metricId) {
        return ratioToFirst(TargetKind.DIRECT, target, metricId);
    }

    /** As {@link #ratioToDirect}, against the kernel-DNAT target; empty when the run has none. */
    public OptionalDouble ratioToKernel(String target, String metricId) {
        return ratioToFirst(TargetKind.KERNEL, target, metricId);
    }

    /** Whether some target is of {@code kind}. */
    public boolean has(TargetKind kind) {
        return targets.containsValue(kind);
    }

    /** Median over rounds of this target's value divided by the first {@code kind} target's from the same round. */
    private OptionalDouble ratioToFirst(TargetKind kind, String target, String metricId) {
        List<Double> ratios = new ArrayList<>();
        TreeMap<Integer, Double> mine = rounds(target, metricId);
        for (String other : targets.keySet()) {
            if (targets.get(other) == kind) {
                TreeMap<Integer, Double> base = rounds(other, metricId);
                mine.forEach((round, value) -> {
                    Double b = base.get(round);
                    if (comparable(value, b)) {
                        ratios.add(value / b);
                    }
                });
                break;
            }
        }
        return median(ratios);
    }

    /**
     * Adds {@code derived}: for every target but {@code baseKind}'s and every round, this target's value of
     * {@code metricId} minus the {@code baseKind} target's from the same round (e.g. CPU added over direct).
     */
    public void addDifferenceTo(TargetKind baseKind, String metricId, Metric derived) {
        String base = null;
        for (Map.Entry<String, TargetKind> t : targets.entrySet()) {
            if (t.getValue() == baseKind) {
                base = t.getKey();
                break;
            }
        }
        if (base == null) {
            return;
        }
        TreeMap<Integer, Double> baseRounds = rounds(base, metricId);
        for (String target : List.copyOf(targets.keySet())) {
            if (target.equals(base)) {
                continue;
            }
            for (Map.Entry<Integer, Double> r : rounds(target, metricId).entrySet()) {
                Double b = baseRounds.get(r.getKey());
                if (b != null) {
                    add(target, derived, r.getKey(), r.getValue() - b);
                }
            }
        }
    }

    /**
     * Median over rounds of this target's value divided by the best peer's value from the same round ("best" by the
     * metric's direction). A peer compared with the peers gets 1.0 when it is the best.
     */
    public OptionalDouble ratioToBestPeer(String target, String metricId) {
        Metric metric = metrics.get(metricId);
        if (metric == null) {
            return OptionalDouble.empty();
        }
        List<Double> ratios = new ArrayList<>();
        rounds(target, metricId).forEach((round, value) -> {
            OptionalDouble best = OptionalDouble.empty();
            for (Map.Entry<String, TargetKind> t : targets.entrySet()) {
                if (t.getValue() != TargetKind.PEER) {
                    continue;
                }
                Double peer = rounds(t.getKey(), metricId).get(round);
                if (peer != null) {
                    best = OptionalDouble.of(best.isPresent() ? metric.better().best(best.getAsDouble(), peer) : peer);
                }
            }
            if (best.isPresent() && comparable(value, best.getAsDouble())) {
                ratios.add(value / best.getAsDouble());
            }
        });
        return median(ratios);
    }

    /**
     * Whether {@code value / base} means anything: a positive base and a value that is not negative. A difference
     * such as CPU added over direct can be negative on a noisy machine; a ratio of it would read as nonsense.
     */
    private static boolean comparable(double value, Double base) {
        return base != null && base > 0 && value >= 0;
    }

    private TreeMap<Integer, Double> rounds(String target, String metricId) {
        TreeMap<Integer, Double> byRound = values.getOrDefault(target, Map.of()).get(metricId);
        return byRound == null ? new TreeMap<>() : byRound;
    }

    /** The median; for an even count, the mean of the two middle values. */
    public static OptionalDouble median(List<Double> values) {
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return OptionalDouble.of(sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    }
}
