package dev.portlocal.daemon;

import dev.portlocal.testing.netns.TopologyPlan.NodePlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Each node's endpoints in its own mapping file under {@code root}, replaced atomically (written beside it, then
 * renamed over it), as an editor or a ConfigMap update does.
 */
final class MappingFileSource implements NodeEndpointSource {

    private final Path root;

    MappingFileSource(Path root) {
        this.root = requireNonNull(root, "root");
    }

    @Override
    public List<String> daemonArgs(NodePlan node) throws IOException {
        Path file = file(node);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "endpoints: []\n");
        return List.of("--mappings", file.toString());
    }

    @Override
    public void publish(NodePlan node, List<PodEndpoint> endpoints) throws IOException {
        StringBuilder yaml = new StringBuilder(endpoints.isEmpty() ? "endpoints: []\n" : "endpoints:\n");
        for (PodEndpoint e : endpoints) {
            yaml.append("  - name: ").append(e.name()).append('\n')
                    .append("    ip: ").append(e.ip()).append('\n')
                    .append("    ports:\n")
                    .append("      - port: ").append(e.tcpPort()).append('\n')
                    .append("      - port: ").append(e.udpPort()).append("\n        protocol: udp\n");
        }
        Path file = file(node);
        Path tmp = Files.createTempFile(file.getParent(), "endpoints", ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path file(NodePlan node) {
        return root.resolve("node-" + node.index()).resolve("endpoints.yaml");
    }
}
