package dev.portlocal.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Builds the API client: the in-cluster configuration (the Pod's service account) by default, as a DaemonSet
 * runs, or a kubeconfig file for development. Requests time out after 10 s, so a hung API server never holds a
 * patch worker for long; watches reconnect every second without limit (the informers back off on their own).
 */
public final class KubernetesClients {

    static final int TIMEOUT_MILLIS = 10_000;

    private KubernetesClients() {
    }

    /**
     * @throws IllegalArgumentException if {@code kubeconfig} is given but is not a readable file
     */
    public static KubernetesClient create(Optional<Path> kubeconfig) {
        Config base;
        if (kubeconfig.isPresent()) {
            Path path = kubeconfig.get();
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new IllegalArgumentException("kubeconfig: " + path + " (expected: a readable kubeconfig file)");
            }
            File file = path.toFile();
            base = Config.fromKubeconfig(file);
        } else {
            base = Config.autoConfigure(null);
        }
        Config config = new ConfigBuilder(base)
                .withConnectionTimeout(TIMEOUT_MILLIS)
                .withRequestTimeout(TIMEOUT_MILLIS)
                .withWatchReconnectInterval(1000)
                .withWatchReconnectLimit(-1)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
