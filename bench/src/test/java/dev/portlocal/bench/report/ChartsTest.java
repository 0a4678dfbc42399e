package dev.portlocal.bench.report;

import dev.portlocal.bench.load.LatencyRecording;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void ratioBarsHaveOneBarPerProxyAndFigure() throws Exception {
        ResultTable table = ResultTableTest.threeRounds();
        Document doc = parse(Charts.ratioBars(table, List.of(ResultTableTest.RPS)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        int bars = 0;
        for (int i = 0; i < doc.getElementsByTagName("rect").getLength(); i++) {
            if (doc.getElementsByTagName("rect").item(i).getTextContent().contains(": ")) {
                bars++;
            }
        }
        assertEquals(3, bars, "portlocal, haproxy, nginx; direct is the 100% line");
        assertTrue(doc.getDocumentElement().getTextContent().contains("portlocal requests: 50%"));
    }

    @Test
    void latencyCurvesDrawOneLinePerTargetWithData() throws Exception {
        Map<String, Histogram> byTarget = new LinkedHashMap<>();
        for (String target : List.of("direct", "nginx")) {
            Histogram h = LatencyRecording.newHistogram();
            for (int i = 1; i <= 10_000; i++) {
                h.recordValue(i * (target.equals("direct") ? 100L : 300L));
            }
            byTarget.put(target, h);
        }
        byTarget.put("haproxy", LatencyRecording.newHistogram()); // empty: not drawn
        Document doc = parse(Charts.latencyCurves("Keep-alive <C=50>", byTarget,
                List.of("direct", "portlocal", "haproxy", "nginx")));
        assertEquals(2, doc.getElementsByTagName("polyline").getLength());
        assertTrue(doc.getDocumentElement().getTextContent().contains("Keep-alive <C=50>"), "title escaped");
    }

    @Test
    void axisLabels() {
        assertEquals("1 ms", Charts.formatMillis(1));
        assertEquals("0.01 ms", Charts.formatMillis(0.01));
        assertEquals("100 ms", Charts.formatMillis(100));
    }
}
