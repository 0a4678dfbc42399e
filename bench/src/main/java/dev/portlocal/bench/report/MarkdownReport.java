package dev.portlocal.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Renders a run as markdown: a header saying how it was run, one table of medians per workload with each figure's
 * ratio to direct and to the best peer, the cross-check against wrk and iperf3, and links to the charts.
 */
public final class MarkdownReport {

    /** How the run was made: shown at the top so no figure travels without its context. */
    public record RunInfo(String command, String startedAt, boolean quick, List<String> setup, List<String> notes) {
        public RunInfo {
            requireNonNull(command, "command");
            requireNonNull(startedAt, "startedAt");
            setup = List.copyOf(setup);
            notes = List.copyOf(notes);
        }
    }

    private MarkdownReport() {
    }

    /**
     * @param charts file name -> caption of each chart written next to the report
     */
    public static String render(RunInfo info, ResultTable table, List<CrossCheck> crossChecks,
            Map<String, String> charts) {
        StringBuilder sb = new StringBuilder("# portlocal benchmark report\n\n");
        sb.append("- Command: `").append(info.command()).append("`\n");
        sb.append("- Started: ").append(info.startedAt()).append('\n');
        sb.append("- Kind: ").append(info.quick()
                ? "**quick run**: short intervals, one round; a smoke test, not figures to quote"
                : "full run").append('\n');
        for (String line : info.setup()) {
            sb.append("- ").append(line).append('\n');
        }
        sb.append("- Every figure is the median over rounds; ratios are taken within a round (same minutes, same "
                + "machine) and their median is shown. \"vs best peer\" compares with the best of HAProxy and nginx "
                + "in that round; CPU is the proxy's utime+stime from /proc over the measured interval.\n");
        if (!info.notes().isEmpty()) {
            sb.append("\n## Notes\n\n");
            for (String note : info.notes()) {
                sb.append("- ").append(note).append('\n');
            }
        }
        boolean kernel = table.has(TargetKind.KERNEL);
        Map<String, List<Metric>> byWorkload = new LinkedHashMap<>();
        for (Metric m : table.metrics()) {
            byWorkload.computeIfAbsent(m.workload(), w -> new ArrayList<>()).add(m);
        }
        for (Map.Entry<String, List<Metric>> workload : byWorkload.entrySet()) {
            sb.append("\n## ").append(workload.getKey()).append("\n\n");
            String note = table.workloadNote(workload.getKey());
            if (note != null) {
                sb.append(note).append("\n\n");
            }
            sb.append("| figure | target | median | vs direct | vs best peer |")
                    .append(kernel ? " vs kernel DNAT |" : "").append(" runs |\n");
            sb.append("|---|---|---:|---:|---:|").append(kernel ? "---:|" : "").append("---|\n");
            for (Metric m : workload.getValue()) {
                for (String target : table.targetNames()) {
                    List<Double> runs = table.values(target, m.id());
                    if (runs.isEmpty()) {
                        continue;
                    }
                    sb.append("| ").append(m.label()).append(" (").append(m.unit()).append(") | ")
                            .append(target).append(" | ")
                            .append(format(table.median(target, m.id()), m.decimals())).append(" | ")
                            .append(percent(table.ratioToDirect(target, m.id()))).append(" | ")
                            .append(percent(table.ratioToBestPeer(target, m.id()))).append(" | ")
                            .append(kernel ? percent(table.ratioToKernel(target, m.id())) + " | " : "")
                            .append(runs.stream().map(v -> format(v, m.decimals()))
                                    .collect(Collectors.joining(", ")))
                            .append(" |\n");
                }
            }
        }
        if (!crossChecks.isEmpty()) {
            sb.append("\n## Cross-check: the generator against wrk and iperf3, direct\n\n");
            sb.append("The generator must reach at least ")
                    .append(Math.round(CrossCheck.REQUIRED_RATIO * 100))
                    .append("% of the reference tool on the same direct path, or the proxies' figures would "
                            + "measure the generator.\n\n");
            sb.append("| figure | harness (median) | tool | tool (median) | harness / tool | verdict |\n");
            sb.append("|---|---:|---|---:|---:|---|\n");
            for (CrossCheck c : crossChecks) {
                sb.append("| ").append(c.label()).append(" | ")
                        .append(format(ResultTable.median(c.harness()), 1)).append(" | ")
                        .append(c.tool()).append(" | ")
                        .append(format(ResultTable.median(c.reference()), 1)).append(" | ")
                        .append(percent(c.ratio())).append(" | ")
                        .append(c.ratio().isEmpty() ? "not run" : c.passes() ? "ok" : "**below 80%**")
                        .append(" |\n");
            }
        }
        if (!charts.isEmpty()) {
            sb.append("\n## Charts\n\n");
            charts.forEach((file, caption) -> sb.append("![").append(caption).append("](").append(file)
                    .append(")\n\n"));
        }
        return sb.toString();
    }

    static String format(OptionalDouble value, int decimals) {
        return value.isPresent() ? format(value.getAsDouble(), decimals) : "-";
    }

    static String format(double value, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    static String percent(OptionalDouble ratio) {
        return ratio.isPresent() ? String.format(Locale.ROOT, "%.0f%%", ratio.getAsDouble() * 100) : "-";
    }
}
