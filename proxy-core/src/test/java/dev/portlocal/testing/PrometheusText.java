package dev.portlocal.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests (the 1.x Java client ships writers,
 * no parser). It fails on anything the format does not allow: a malformed line, a sample before its family's
 * {@code # TYPE}, a family declared twice, a duplicate series, a sample name that its type does not produce, a bad
 * label escape, a non-numeric value, a histogram whose buckets are not cumulative or do not end in {@code +Inf}
 * equal to {@code _count}.
 */
public final class PrometheusText {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its name, labels (sorted) and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    public static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        p.parseAll(text);
        p.checkHistograms();
        return p;
    }

    /** Family name → type. */
    public Map<String, String> types() {
        return types;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}; fails if not one. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + labels + ", found " + found);
        }
        return found.get(0).value();
    }

    /** Every sample named {@code name} whose labels include {@code labels}. */
    public List<Sample> find(String name, Map<String, String> labels) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                out.add(s);
            }
        }
        return out;
    }

    private void parseAll(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the exposition must end with a newline");
        }
        Set<String> series = new HashSet<>();
        Set<String> helped = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": " + line;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] f = line.split(" ", 4);
                if (f.length >= 3 && f[1].equals("TYPE")) {
                    require(f.length == 4 && NAME.matcher(f[2]).matches() && TYPES.contains(f[3]), where);
                    require(!types.containsKey(f[2]), "family declared twice: " + where);
                    types.put(f[2], f[3]);
                } else if (f.length >= 3 && f[1].equals("HELP")) {
                    require(NAME.matcher(f[2]).matches() && helped.add(f[2]), where);
                }
                continue;
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name());
            require(family != null, "sample without a # TYPE before it: " + where);
            require(series.add(s.name() + s.labels()), "duplicate series: " + where);
            samples.add(s);
        }
    }

    private String familyOf(String sample) {
        if (types.containsKey(sample)) {
            String t = types.get(sample);
            return t.equals("histogram") || t.equals("summary") ? null : sample;
        }
        for (String suffix : new String[] {"_bucket", "_count", "_sum"}) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String t = types.get(base);
                if ("histogram".equals(t) || ("summary".equals(t) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        Matcher m = NAME.matcher(line);
        require(m.lookingAt(), where);
        String name = m.group();
        int i = m.end();
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher ln = LABEL_NAME.matcher(line).region(i, line.length());
                require(ln.lookingAt(), "bad label name: " + where);
                String label = ln.group();
                i = ln.end();
                require(line.startsWith("=\"", i), where);
                i += 2;
                StringBuilder value = new StringBuilder();
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        require(e == '\\' || e == '"' || e == 'n', "bad escape: " + where);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                i++;
                require(labels.put(label, value.toString()) == null, "label twice: " + where);
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        require(i < line.length() && line.charAt(i) == ' ', where);
        String[] rest = line.substring(i + 1).split(" ");
        require(rest.length == 1 || rest.length == 2, where);
        double value;
        try {
            value = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
        } catch (NumberFormatException e) {
            throw new AssertionError("bad value: " + where);
        }
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw new AssertionError("bad timestamp: " + where);
            }
        }
        return new Sample(name, labels, value);
    }

    private void checkHistograms() {
        for (Map.Entry<String, String> family : types.entrySet()) {
            if (!family.getValue().equals("histogram")) {
                continue;
            }
            String base = family.getKey();
            Map<Map<String, String>, List<Sample>> bySeries = new HashMap<>();
            for (Sample s : samples) {
                if (s.name().equals(base + "_bucket")) {
                    Map<String, String> key = new TreeMap<>(s.labels());
                    require(key.remove("le") != null, "bucket without le: " + s);
                    bySeries.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
                }
            }
            for (Map.Entry<Map<String, String>, List<Sample>> e : bySeries.entrySet()) {
                double last = -1;
                double previousValue = 0;
                for (Sample b : e.getValue()) {
                    double le = Double.parseDouble(b.labels().get("le").replace("+Inf", "Infinity"));
                    require(le > last, "buckets out of order: " + b);
                    require(b.value() >= previousValue, "buckets not cumulative: " + b);
                    last = le;
                    previousValue = b.value();
                }
                require(last == Double.POSITIVE_INFINITY, "no +Inf bucket: " + e.getKey());
                require(previousValue == new PrometheusText.Lookup(this).one(base + "_count", e.getKey()),
                        "+Inf bucket differs from _count: " + e.getKey());
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError("Prometheus text format: " + message);
        }
    }

    private record Lookup(PrometheusText text) {
        double one(String name, Map<String, String> labels) {
            for (Sample s : text.samples) {
                if (s.name().equals(name) && s.labels().equals(labels)) {
                    return s.value();
                }
            }
            throw new AssertionError("Prometheus text format: no " + name + labels);
        }
    }
}
