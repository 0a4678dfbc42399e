package dev.portlocal.kubernetes;

import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.kubernetes.PodAnnotation.Entry;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PodAnnotationTest {

    @Test
    void rendersNodePortLocalsExactJsonSorted() {
        Optional<String> value = PodAnnotation.render(List.of(
                new AnnotationEntry(8080, "2001:db8::10", 61003, "tcp", "IPv6"),
                new AnnotationEntry(53, "192.0.2.10", 61001, "udp", "IPv4"),
                new AnnotationEntry(8080, "192.0.2.10", 61002, "tcp", "IPv4")));

        assertEquals(Optional.of("[{\"podPort\":53,\"nodeIP\":\"192.0.2.10\",\"nodePort\":61001,\"protocol\":\"udp\","
                + "\"ipFamily\":\"IPv4\"},{\"podPort\":8080,\"nodeIP\":\"192.0.2.10\",\"nodePort\":61002,"
                + "\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\"},{\"podPort\":8080,\"nodeIP\":\"2001:db8::10\","
                + "\"nodePort\":61003,\"protocol\":\"tcp\",\"ipFamily\":\"IPv6\"}]"), value);
        assertEquals(Optional.empty(), PodAnnotation.render(List.of()), "an empty list removes the key");
    }

    @Test
    void parsesWhatItRendersAndWhatOlderWritersLeft() {
        PodAnnotation.Parsed parsed = PodAnnotation.parse("[{\"podPort\":8080,\"nodeIP\":\"192.0.2.10\","
                + "\"nodePort\":61002,\"protocol\":\"tcp\",\"ipFamily\":\"IPv6\"},"
                + "{\"podPort\":80,\"nodeIP\":\"192.0.2.10\",\"nodePort\":61005,\"protocols\":[\"tcp\"]}]");
        assertEquals(List.of(new Entry(8080, Protocol.TCP, IpFamily.IPv6, 61002),
                new Entry(80, Protocol.TCP, IpFamily.IPv4, 61005)), parsed.entries());
        assertEquals(List.of(), parsed.problems());
    }

    @Test
    void unusableElementsAreLeftOutWithAReason() {
        PodAnnotation.Parsed parsed = PodAnnotation.parse("[{\"podPort\":8080,\"nodePort\":70000},"
                + "{\"podPort\":8080,\"nodePort\":0},{\"podPort\":\"x\",\"nodePort\":61000},"
                + "{\"podPort\":1,\"nodePort\":61000,\"protocol\":\"sctp\"},"
                + "{\"podPort\":1,\"nodePort\":61001,\"ipFamily\":\"ipv5\"}, 7,"
                + "{\"podPort\":9,\"nodePort\":61009,\"protocol\":\"udp\"}]");
        assertEquals(List.of(new Entry(9, Protocol.UDP, IpFamily.IPv4, 61009)), parsed.entries());
        assertEquals(List.of("[0].nodePort: 70000 (expected: 1-65535)", "[1].nodePort: 0 (expected: 1-65535)",
                "[2].podPort: \"x\" (expected: 1-65535)", "[3].protocol: sctp (expected: tcp or udp)",
                "[4].ipFamily: ipv5 (expected: IPv4 or IPv6)", "[5].element: 7 (expected: an object)"),
                parsed.problems());
        assertEquals(List.of("value: not a JSON array"), PodAnnotation.parse("{broken").problems());
        assertEquals(List.of("value: not a JSON array"), PodAnnotation.parse("{}").problems());
    }
}
