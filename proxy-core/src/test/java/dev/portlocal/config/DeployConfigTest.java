package dev.portlocal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DaemonSet's ConfigMap holds a config that {@code portlocal run} accepts, with the Kubernetes source on. */
class DeployConfigTest {

    private static final Path CONFIG_MAP = Path.of("..", "deploy", "kubernetes", "40-configmap.yaml");

    @TempDir
    Path dir;

    private Path configYaml() throws IOException {
        JsonNode map = new ObjectMapper(new YAMLFactory()).readTree(CONFIG_MAP.toFile());
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, map.path("data").path("config.yaml").asText());
        return file;
    }

    @Test
    void theConfigMapsConfigIsValidAndTurnsTheKubernetesSourceOn() throws IOException {
        OptionValues values = DaemonOptions.FILE.read(configYaml());
        // In the cluster the node name comes from $NODE_NAME (the downward API); here it is set as the flag would.
        DaemonConfig config = DaemonConfig.builder().options(values)
                .set(DaemonOptions.KUBERNETES_NODE_NAME, "node-a").build();
        assertTrue(config.kubernetes());
        assertEquals("node-a", config.kubernetesNodeName().orElseThrow());
        assertTrue(config.kubernetesKubeconfig().isEmpty(), "in-cluster configuration");
        assertEquals(PortRange.DEFAULT, config.portRange());
        assertEquals(Path.of("/var/lib/portlocal"), config.stateDir());
    }

    @Test
    void withoutANodeNameTheKubernetesSourceIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonConfig.builder()
                .set(DaemonOptions.KUBERNETES, true).set(DaemonOptions.KUBERNETES_NODE_NAME, null).build());
        assertTrue(e.getMessage().startsWith("kubernetes.nodeName: none"), e.getMessage());
    }

    @Test
    void aBlankNodeNameIsRefusedNamingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DaemonOptions.KUBERNETES_NODE_NAME.fromFlag(java.util.List.of(" ")));
        assertTrue(e.getMessage().startsWith("--kubernetes-node-name: \" \""), e.getMessage());
    }
}
