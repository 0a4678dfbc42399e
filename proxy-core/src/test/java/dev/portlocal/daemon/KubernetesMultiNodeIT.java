package dev.portlocal.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@link MultiNodeIT}'s scenario, every assertion the same, with the Kubernetes source: the three daemons each run
 * {@code --kubernetes} with their own node name ({@code node-1..3}) against ONE API server, and that API server is
 * not a real one: it is fabric8's kubernetes-server-mock in CRUD mode, with the corrections of
 * {@link dev.portlocal.kubernetes.testing.MockApiServer} (the {@code spec.nodeName} field selector on Pod lists and
 * watches, and metadata in {@code pods/status} merge patches). It runs in the test JVM on loopback and the daemons
 * reach it at 198.18.0.2:6443, an {@code api} namespace on the nodes' bridge ({@link KubernetesPodSource}).
 *
 * <p>Endpoints are Pods with {@code spec.nodeName}, {@code status.podIP} (the pod namespace's address) and a Ready
 * condition, selected by a Service annotated {@code nodeportlocal.antrea.io/enabled: "true"}; the pool is built from
 * the {@code nodeportlocal.antrea.io} annotation the daemons write on each Pod, read from the API server as a load
 * balancer controller reads it. The move deletes Pod {@code shop/web-1} on node 1 and creates a Pod of the same name
 * on node 2 with the address of a pod namespace behind node 2.
 *
 * <p>Skipped where network namespaces cannot be created (not root); CI runs it.
 */
class KubernetesMultiNodeIT extends MultiNodeIT {

    private KubernetesPodSource pods;

    @Override
    protected NodeEndpointSource newSource(Path root) {
        pods = new KubernetesPodSource(root, POD_TCP_PORT, POD_UDP_PORT);
        return pods;
    }

    @Override
    protected Map<String, List<Member>> pool() {
        return pods.pool();
    }
}
