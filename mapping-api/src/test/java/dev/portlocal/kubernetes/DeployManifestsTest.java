package dev.portlocal.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every manifest of {@code deploy/kubernetes} parses into fabric8's model classes with no field left unknown, and
 * says what docs/kubernetes.md promises: the RBAC of NodePortLocal, host network, the node name from the downward
 * API, the state on the node, the probes on the daemon's API, the image of this build.
 */
class DeployManifestsTest {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    static final Path MANIFESTS = ROOT.resolve("deploy/kubernetes");

    /** What NodePortLocal's agent is granted for the same job: resource to verbs. */
    static final Map<String, Set<String>> REFERENCE_RBAC = Map.of(
            "pods", Set.of("get", "list", "watch"),
            "pods/status", Set.of("patch", "update"),
            "services", Set.of("get", "list", "watch"),
            "nodes", Set.of("get", "list", "watch"));

    static Map<String, HasMetadata> manifests() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization();
        Map<String, HasMetadata> byFile = new TreeMap<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Object parsed = serialization.unmarshal(Files.readString(file));
                assertTrue(parsed instanceof HasMetadata, file + " is one Kubernetes object");
                byFile.put(file.getFileName().toString(), (HasMetadata) parsed);
            }
        }
        return byFile;
    }

    static <T> T only(Class<T> type) throws IOException {
        List<T> found = new ArrayList<>();
        for (HasMetadata object : manifests().values()) {
            if (type.isInstance(object)) {
                found.add(type.cast(object));
            }
        }
        assertEquals(1, found.size(), "one " + type.getSimpleName());
        return found.get(0);
    }

    /** The ClusterRole's grants, as resource to verbs, for the core API group. */
    static Map<String, Set<String>> grants() throws IOException {
        Map<String, Set<String>> grants = new TreeMap<>();
        for (PolicyRule rule : only(ClusterRole.class).getRules()) {
            assertEquals(List.of(""), rule.getApiGroups(), "core API group only");
            for (String resource : rule.getResources()) {
                grants.computeIfAbsent(resource, r -> new TreeSet<>()).addAll(rule.getVerbs());
            }
        }
        return grants;
    }

    @Test
    void everyManifestIsATypedObjectWithoutUnknownFields() throws IOException {
        Map<String, HasMetadata> manifests = manifests();
        assertEquals(Set.of(Namespace.class, ServiceAccount.class, ClusterRole.class, ClusterRoleBinding.class,
                ConfigMap.class, DaemonSet.class), Set.copyOf(manifests.values().stream()
                .map(Object::getClass).toList()));
        for (Map.Entry<String, HasMetadata> manifest : manifests.entrySet()) {
            List<String> unknown = new ArrayList<>();
            unknownFields(manifest.getValue(), manifest.getValue().getKind(), unknown,
                    new IdentityHashMap<>());
            assertEquals(List.of(), unknown, manifest.getKey() + ": fields the model does not know");
        }
    }

    @Test
    void aMisspelledFieldIsCaught() {
        Object parsed = new KubernetesSerialization().unmarshal("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                + "  name: x\n  lables: {a: b}\ndata: {}\n");
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, "ConfigMap", unknown, new IdentityHashMap<>());
        assertEquals(List.of("ConfigMap.metadata: lables"), unknown);
    }

    @Test
    void theClusterRoleHoldsExactlyNodePortLocalsVerbs() throws IOException {
        assertEquals(REFERENCE_RBAC, grants());
        ClusterRoleBinding binding = only(ClusterRoleBinding.class);
        ServiceAccount account = only(ServiceAccount.class);
        assertEquals(only(ClusterRole.class).getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(account.getMetadata().getName(), binding.getSubjects().get(0).getName());
        assertEquals(account.getMetadata().getNamespace(), binding.getSubjects().get(0).getNamespace());
    }

    @Test
    void theDaemonSetRunsOnTheHostNetworkWithItsStateOnTheNode() throws IOException {
        DaemonSet daemonSet = only(DaemonSet.class);
        PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);

        assertTrue(pod.getHostNetwork());
        assertEquals(only(ServiceAccount.class).getMetadata().getName(), pod.getServiceAccountName());
        EnvVar nodeName = container.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst()
                .orElseThrow();
        assertEquals("spec.nodeName", nodeName.getValueFrom().getFieldRef().getFieldPath());
        assertEquals("/healthz", container.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", container.getReadinessProbe().getHttpGet().getPath());
        assertTrue(container.getResources().getRequests().containsKey("memory"));
        assertTrue(container.getResources().getRequests().containsKey("cpu"));
        assertEquals("RollingUpdate", daemonSet.getSpec().getUpdateStrategy().getType());
        assertEquals(0, daemonSet.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal(),
                "never two daemons on one node");

        JsonNode config = config();
        assertEquals(true, config.path("kubernetes").path("enabled").asBoolean());
        String api = config.path("api").asText();
        assertEquals("127.0.0.1:" + container.getLivenessProbe().getHttpGet().getPort().getIntVal(), api);
        assertEquals("127.0.0.1", container.getReadinessProbe().getHttpGet().getHost());

        String stateDir = config.path("stateDir").asText();
        VolumeMount stateMount = container.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(stateDir)).findFirst().orElseThrow();
        Volume state = pod.getVolumes().stream().filter(v -> v.getName().equals(stateMount.getName())).findFirst()
                .orElseThrow();
        assertFalse(state.getHostPath() == null, "the state survives the Pod: a hostPath");
        List<String> args = container.getArgs();
        String configFile = args.get(args.indexOf("--config") + 1);
        VolumeMount configMount = container.getVolumeMounts().stream()
                .filter(m -> configFile.startsWith(m.getMountPath() + "/")).findFirst().orElseThrow();
        Volume configVolume = pod.getVolumes().stream().filter(v -> v.getName().equals(configMount.getName()))
                .findFirst().orElseThrow();
        assertEquals(only(ConfigMap.class).getMetadata().getName(), configVolume.getConfigMap().getName());
    }

    @Test
    void theImageIsTheOneThisBuildMakes() throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile()).getDocumentElement();
        String version = null;
        for (int i = 0; i < project.getChildNodes().getLength(); i++) {
            if (project.getChildNodes().item(i) instanceof Element child && child.getTagName().equals("version")) {
                version = child.getTextContent().trim();
            }
        }
        PodSpec pod = only(DaemonSet.class).getSpec().getTemplate().getSpec();
        String image = pod.getContainers().get(0).getImage();
        assertEquals("portlocal:" + version, image);
        for (Container init : pod.getInitContainers()) {
            assertEquals(image, init.getImage(), init.getName());
        }
    }

    @Test
    void theDaemonRunsAsTheImagesUserAndAnInitContainerHandsItTheStateDirectory() throws IOException {
        PodSpec pod = only(DaemonSet.class).getSpec().getTemplate().getSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(10001L, pod.getSecurityContext().getRunAsUser(), "the uid of deploy/image/Containerfile");
        assertEquals(10001L, pod.getSecurityContext().getRunAsGroup());
        Container daemon = pod.getContainers().get(0);
        assertTrue(daemon.getSecurityContext() == null || daemon.getSecurityContext().getRunAsUser() == null,
                "the daemon keeps the Pod's user");
        assertEquals(1, pod.getInitContainers().size());
        Container init = pod.getInitContainers().get(0);
        String stateDir = config().path("stateDir").asText();
        assertEquals(List.of("chown", "10001:10001", stateDir), init.getCommand());
        assertEquals(0L, init.getSecurityContext().getRunAsUser());
        assertEquals(List.of("CHOWN"), init.getSecurityContext().getCapabilities().getAdd());
        assertEquals(List.of("ALL"), init.getSecurityContext().getCapabilities().getDrop());
        VolumeMount mount = init.getVolumeMounts().get(0);
        assertEquals(stateDir, mount.getMountPath());
        assertTrue(daemon.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(mount.getName())
                && m.getMountPath().equals(stateDir)), "the same volume as the daemon's state");
    }

    static JsonNode config() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(only(ConfigMap.class).getData().get("config.yaml"));
    }

    /** Collects every non-empty {@code additionalProperties} below {@code object}: fields the model does not know. */
    static void unknownFields(Object object, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (object == null || seen.put(object, Boolean.TRUE) != null) {
            return;
        }
        if (object instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (object instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
            }
            return;
        }
        if (!object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : object.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(object);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(getter.toString(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + String.join(",", extra.keySet().stream().map(String::valueOf)
                            .sorted().toList()));
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            unknownFields(value, path + "." + field, unknown, seen);
        }
    }
}
