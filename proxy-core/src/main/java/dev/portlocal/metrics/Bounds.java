package dev.portlocal.metrics;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bucket and quantile bounds as Prometheus itself writes them. The Java client writes a bound with
 * {@link Double#toString}, so the 100 µs bucket is {@code le="1.0E-4"} and the 1 s bucket {@code le="1.0"}; the Go
 * client, and every dashboard, recording rule and alert written against it, has {@code le="0.0001"} and
 * {@code le="1"}. A label value is a string to PromQL, so {@code {le="0.0001"}} matches only the second. Prometheus
 * writes a float the shortest way that reads back exactly, in plain notation for a decimal exponent from -4 to 5
 * and in exponent notation ({@code 1e+06}, {@code 2.5e-05}) outside it, {@code +Inf} for infinity.
 *
 * <p>Stateless and thread-safe.
 */
final class Bounds {

    /** {@code le} or {@code quantile} as a label (after {@code {} or {@code ,}), with its quoted value. */
    private static final Pattern BOUND = Pattern.compile("([{,](?:le|quantile)=\")([^\"]*)\"");

    private Bounds() {
    }

    /** The exposition with every {@code le} and {@code quantile} value rewritten canonically. */
    static byte[] canonical(byte[] exposition) {
        String text = new String(exposition, StandardCharsets.UTF_8);
        Matcher m = BOUND.matcher(text);
        if (!m.find()) {
            return exposition;
        }
        StringBuilder out = new StringBuilder(text.length());
        do {
            String value = m.group(2);
            String canonical;
            try {
                canonical = format(Double.parseDouble(value));
            } catch (NumberFormatException e) {
                canonical = value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + canonical + "\""));
        } while (m.find());
        m.appendTail(out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code v} as Go's {@code strconv.FormatFloat(v, 'g', -1, 64)} writes it, with {@code +Inf} for infinity. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return Double.doubleToRawLongBits(v) < 0 ? "-0" : "0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale();
        String sign = d.signum() < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 6) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            int abs = Math.abs(exponent);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs;
        }
        return sign + d.abs().toPlainString();
    }
}
