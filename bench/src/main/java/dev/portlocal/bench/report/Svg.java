package dev.portlocal.bench.report;

import java.util.List;
import java.util.Locale;

/** A tiny SVG writer: just the elements the two charts need. Coordinates are in pixels, y grows downwards. */
final class Svg {

    /** Colour-blind-safe palette (Okabe-Ito), one colour per target in order. */
    static final List<String> PALETTE = List.of(
            "#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442");

    private final StringBuilder sb = new StringBuilder();

    Svg(int width, int height) {
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    }

    static String colour(int index) {
        return PALETTE.get(index % PALETTE.size());
    }

    Svg rect(double x, double y, double w, double h, String fill, String title) {
        sb.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(w))
                .append("\" height=\"").append(n(h)).append("\" fill=\"").append(fill).append("\">");
        if (title != null) {
            sb.append("<title>").append(escape(title)).append("</title>");
        }
        sb.append("</rect>\n");
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width, boolean dashed) {
        sb.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(n(width)).append('"').append(dashed ? " stroke-dasharray=\"4 3\"" : "").append("/>\n");
        return this;
    }

    Svg polyline(double[] xs, double[] ys, String stroke) {
        sb.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"2\" points=\"");
        for (int i = 0; i < xs.length; i++) {
            sb.append(n(xs[i])).append(',').append(n(ys[i])).append(' ');
        }
        sb.append("\"/>\n");
        return this;
    }

    Svg text(double x, double y, String anchor, String text) {
        sb.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" text-anchor=\"")
                .append(anchor).append("\">").append(escape(text)).append("</text>\n");
        return this;
    }

    Svg rotatedText(double x, double y, String text) {
        sb.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" text-anchor=\"end\" ")
                .append("transform=\"rotate(-35 ").append(n(x)).append(' ').append(n(y)).append(")\">")
                .append(escape(text)).append("</text>\n");
        return this;
    }

    String finish() {
        return sb + "</svg>\n";
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
