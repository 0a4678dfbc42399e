package dev.portlocal.daemon;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files of the container image agree with each other and with the build, without building anything: the tag
 * {@code deploy/image/build.sh} makes is {@code portlocal:<the pom's version>} and is the image the DaemonSet runs;
 * the Containerfile's user is the DaemonSet's; its entrypoint uses the JVM options the Debian package ships, and
 * the JVM accepts them. {@code ContainerImageIT} builds and runs the image.
 */
class ContainerImageFilesTest {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    static final Path DAEMONSET = ROOT.resolve("deploy/kubernetes/50-daemonset.yaml");
    static final Path CONTAINERFILE = ROOT.resolve("deploy/image/Containerfile");
    static final Path BUILD = ROOT.resolve("deploy/image/build.sh");
    static final Path JVM_OPTIONS = ROOT.resolve("systemd/jvm.options");

    /** The root pom's own {@code <version>}, read as XML. */
    static String projectVersion() throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile()).getDocumentElement();
        for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child && child.getTagName().equals("version")) {
                return child.getTextContent().trim();
            }
        }
        throw new AssertionError("no <version> in the root pom");
    }

    private static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }

    @Test
    void theDaemonSetRunsTheTagThatBuildShMakesFromThePomVersion() throws Exception {
        String tag = "portlocal:" + projectVersion();
        assertEquals(tag, run("bash", BUILD.toString(), "--print-tag").trim());
        List<String> images = all(Pattern.compile("(?m)^\\s+image:\\s*(\\S+)\\s*$"), Files.readString(DAEMONSET));
        assertEquals(List.of(tag, tag), images, "the init container and the daemon");
    }

    @Test
    void theDaemonSetRunsAsTheImagesNonRootUser() throws IOException {
        String containerfile = Files.readString(CONTAINERFILE);
        String daemonSet = Files.readString(DAEMONSET);
        List<String> users = all(Pattern.compile("(?m)^USER\\s+(\\S+)\\s*$"), containerfile);
        assertEquals(List.of("10001:10001"), users);
        assertTrue(daemonSet.contains("runAsNonRoot: true\n        runAsUser: 10001\n        runAsGroup: 10001\n"),
                "the Pod's securityContext");
        assertTrue(daemonSet.contains("command: [\"chown\", \"10001:10001\", \"/var/lib/portlocal\"]"),
                "the init container gives the hostPath state directory to 10001");
    }

    @Test
    void theContainerfileHasATemurinDefaultLabelsNoHealthcheckAndTheSharedJvmOptions() throws IOException {
        String containerfile = Files.readString(CONTAINERFILE);
        assertTrue(containerfile.contains("\nARG BASE=docker.io/library/eclipse-temurin:17-jre\nFROM ${BASE}\n"),
                containerfile);
        for (String label : List.of("version", "revision", "source")) {
            assertTrue(Pattern.compile("org\\.opencontainers\\.image\\." + label + "=\"\\$\\{[A-Z]+}\"")
                    .matcher(containerfile).find(), label);
        }
        assertFalse(Pattern.compile("(?m)^\\s*HEALTHCHECK").matcher(containerfile).find(),
                "the kubelet probes /healthz and /readyz");
        assertTrue(containerfile.contains("ENTRYPOINT [\"java\", \"@/usr/share/portlocal/jvm.options\", \"-jar\", "
                + "\"/usr/share/portlocal/portlocal.jar\"]"), containerfile);
        assertTrue(containerfile.contains("CMD [\"run\", \"--config\", \"/etc/portlocal/config.yaml\"]"));
        assertTrue(Files.readString(DAEMONSET)
                .contains("args: [\"run\", \"--config\", \"/etc/portlocal/config.yaml\"]"));
        assertTrue(Files.readString(ROOT.resolve("systemd/portlocal.sh"))
                .contains("OPTIONS=/usr/share/portlocal/jvm.options\n"), "the wrapper reads the same file");
    }

    @Test
    void theJvmAcceptsTheOptions() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String flags = run(java, "@" + JVM_OPTIONS, "-XX:+PrintFlagsFinal", "-version");
        // The footprint's choices (bench/RESULTS.md, Footprint): C1 only in one thread, a small young generation,
        // a bounded code cache and metaspace, one thread less for notifications.
        for (String flag : List.of("ExitOnOutOfMemoryError +", "UseSerialGC +", "MaxHeapSize 67108864",
                "MaxDirectMemorySize 268435456", "MaxNewSize 4194304", "TieredStopAtLevel 1", "CICompilerCount 1",
                "ReservedCodeCacheSize 50331648", "MaxMetaspaceSize 134217728", "UseNotificationThread -",
                "UsePerfData -")) {
            String[] nameValue = flag.split(" ");
            Pattern line = Pattern.compile("(?m)^\\s*\\S+\\s+" + nameValue[0] + "\\s+:?=\\s+(\\S+)");
            Matcher m = line.matcher(flags);
            assertTrue(m.find(), nameValue[0]);
            String expected = switch (nameValue[1]) {
                case "+" -> "true";
                case "-" -> "false";
                default -> nameValue[1];
            };
            assertEquals(expected, m.group(1), nameValue[0]);
        }
        String properties = run(java, "@" + JVM_OPTIONS, "-XshowSettings:properties", "-version");
        for (String property : List.of("io.netty.allocator.type = pooled", "io.netty.allocator.maxOrder = 7",
                "io.prometheus.metrics.exemplarsEnabled = false")) {
            assertTrue(properties.contains(property), property + " in:\n" + properties);
        }
    }
}
