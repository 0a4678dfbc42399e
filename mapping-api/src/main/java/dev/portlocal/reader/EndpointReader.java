package dev.portlocal.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Durations;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.TargetPolicy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Reads one endpoint from a parsed tree: an entry of the mapping file, or the body of {@code PUT /v1/endpoints/...}.
 * Both go through {@link #read}, so whatever one accepts the other accepts, with the same messages:
 * <pre>
 * {"name": "shop/web", "ip": "10.244.1.23", "ports": [{"port": 8080, "protocol": "tcp", "nodePort": 61005}]}
 * {"name": "shop/web", "ips": ["10.244.1.23", "fd00:10:244:1::17"], "ports": [{"port": 53, "protocol": "udp",
 *  "idleTimeout": "30s"}]}
 * </pre>
 * Types are strict: a quoted number is a string, {@code 80.0} is not an integer, and an unknown field is a problem.
 * {@code null} for an optional field means absent.
 *
 * <p>Who checks what: the tables below check shapes and types, that required fields are there, and that a pinned
 * node port lies inside the port range (the records do not know the range); each value's own rule and the rules
 * across fields belong to the model ({@link Endpoint}, {@link EndpointPort}) and its parsers ({@link Addresses},
 * {@link Protocol}, {@link Durations}), which the rows call, so a rule is written once; a rule of a record that
 * spans fields (a connect timeout only on tcp, each port once) is reported at the field the record names. What
 * depends on more than one endpoint (names unique in a file, a node port held by another mapping) belongs to the
 * caller.
 *
 * <p>Adding a field of a port: the record gets the component, its rule and a setter on {@link EndpointPort.Builder};
 * this class gets one row in {@link #portFields}, which names the field, says what it expects, reads it with the
 * {@link Cursor}'s helpers and the model's check, and hands it to that setter. Nothing else here changes: unknown
 * field messages, collecting and stopping, and locations come from the table. A field holding an object (a
 * health check, say) reads it with a table of its own, as {@link #port} reads a port. Another source of endpoints
 * (Kubernetes annotations, say) builds the same tree and calls {@link #read}, so it gets the same rules and
 * messages.
 *
 * <p>Immutable and thread-safe.
 */
public final class EndpointReader {

    private static final String PORT_EXPECTED = "an integer, " + PortRange.PORTS;
    private static final String IPS_EXPECTED = "a list of one address, or one of each family";
    private static final String PORTS_EXPECTED = "a list of at least one port";
    private static final String HEALTH_EXPECTED = "an object with interval, timeout, rise, fall (each optional)";

    /** The fields of a {@code healthCheck}: each optional, with the defaults of {@link HealthCheck#DEFAULT}. */
    private static final Fields<HealthCheck.Builder> HEALTH_FIELDS = new Fields<>(List.of(
            Field.optional("interval", HealthCheck.INTERVAL_EXPECTED,
                    at -> at.check(() -> HealthCheck.checkInterval(at.path(),
                            Durations.parse(at.path(), at.text(Durations.EXPECTED)))),
                    HealthCheck.Builder::interval),
            Field.optional("timeout", Durations.EXPECTED,
                    at -> at.check(() -> Durations.parse(at.path(), at.text(Durations.EXPECTED))),
                    HealthCheck.Builder::timeout),
            Field.optional("rise", HealthCheck.COUNT_EXPECTED,
                    at -> at.check(() -> HealthCheck.checkCount(at.path(),
                            at.integral(HealthCheck.COUNT_EXPECTED).asLong())),
                    HealthCheck.Builder::rise),
            Field.optional("fall", HealthCheck.COUNT_EXPECTED,
                    at -> at.check(() -> HealthCheck.checkCount(at.path(),
                            at.integral(HealthCheck.COUNT_EXPECTED).asLong())),
                    HealthCheck.Builder::fall)));

    private static final Field<Draft, String> NAME = Field.optional("name", Endpoint.NAME_EXPECTED,
            at -> at.check(() -> Endpoint.checkName(at.text(Endpoint.NAME_EXPECTED))), Draft::name);
    /** {@code ip: A} or {@code ips: [A, B]}: exactly one of them. */
    private static final Field<Draft, InetAddress> IP = new Field<>("ip", Addresses.IP_EXPECTED, EndpointReader::ip,
            (draft, ip) -> draft.ips(List.of(ip)),
            at -> {
                if (!at.sibling("ips").present()) {
                    at.expected(Addresses.IP_EXPECTED + ", or ips: [IPv4, IPv6]");
                }
            });
    private static final Field<Draft, List<InetAddress>> IPS = Field.optional("ips", IPS_EXPECTED, at -> {
        if (at.sibling("ip").present()) {
            throw at.expected("either ip or ips, not both");
        }
        return list(at, IPS_EXPECTED, EndpointReader::ip);
    }, Draft::ips);

    private final PortRange range;
    /** Which targets are allowed; judged once the endpoint is read, so the field table stays as it is. */
    private final TargetPolicy policy;
    /** The fields of a port: one row per field. */
    private final Fields<EndpointPort.Builder> portFields;
    private final Field<Draft, List<EndpointPort>> ports;
    /** The fields of an endpoint that names itself, as a file entry does. */
    private final Fields<Draft> namedFields;

    /** A reader with the address rules alone ({@link TargetPolicy#DEFAULT}). */
    public EndpointReader(PortRange range) {
        this(range, TargetPolicy.DEFAULT);
    }

    /** A reader that refuses the targets {@code policy} refuses, at the field at fault ({@code ip}, {@code ips[1]}). */
    public EndpointReader(PortRange range, TargetPolicy policy) {
        this.range = requireNonNull(range, "range");
        this.policy = requireNonNull(policy, "policy");
        String pinExpected = "an integer " + range.containsExpected();
        this.portFields = new Fields<>(List.of(
                Field.required("port", PORT_EXPECTED,
                        at -> at.check(() -> PortRange.checkPort(at.path(),
                                integer(at, PORT_EXPECTED, PortRange.PORTS))),
                        EndpointPort.Builder::port),
                Field.optional("protocol", Protocol.EXPECTED,
                        at -> at.check(() -> Protocol.parse(at.path(), at.text(Protocol.EXPECTED))),
                        EndpointPort.Builder::protocol),
                Field.optional("nodePort", pinExpected,
                        at -> at.check(() -> range.checkContains(at.path(),
                                integer(at, pinExpected, range.containsExpected()))),
                        EndpointPort.Builder::nodePort),
                Field.optional("idleTimeout", Durations.EXPECTED,
                        at -> at.check(() -> EndpointPort.checkIdleTimeout(at.path(),
                                Durations.parse(at.path(), at.text(Durations.EXPECTED)))),
                        EndpointPort.Builder::idleTimeout),
                Field.optional("healthCheck", HEALTH_EXPECTED, EndpointReader::healthCheck,
                        EndpointPort.Builder::healthCheck),
                Field.optional("proxyProtocol", ProxyProtocol.EXPECTED,
                        at -> at.check(() -> ProxyProtocol.parse(at.path(), at.text(ProxyProtocol.EXPECTED))),
                        EndpointPort.Builder::proxyProtocol),
                Field.optional("allowFrom", PortPolicy.ALLOW_FROM_EXPECTED, EndpointReader::allowFrom,
                        EndpointPort.Builder::allowFrom),
                Field.optional("maxConnections", PortPolicy.MAX_CONNECTIONS_EXPECTED,
                        at -> at.check(() -> PortPolicy.checkMaxConnections(at.path(),
                                maxConnections(at))),
                        EndpointPort.Builder::maxConnections),
                Field.optional("connectTimeout", PortPolicy.CONNECT_TIMEOUT_EXPECTED,
                        at -> at.check(() -> PortPolicy.checkConnectTimeout(at.path(),
                                Durations.parse(at.path(), at.text(Durations.EXPECTED)))),
                        EndpointPort.Builder::connectTimeout),
                Field.optional("accessLog", PortPolicy.ACCESS_LOG_EXPECTED, at -> {
                    if (!at.node().isBoolean()) {
                        throw at.expected(PortPolicy.ACCESS_LOG_EXPECTED);
                    }
                    return at.node().booleanValue();
                }, EndpointPort.Builder::accessLog)));
        this.ports = Field.required("ports", PORTS_EXPECTED, at -> list(at, PORTS_EXPECTED, this::port),
                Draft::ports);
        this.namedFields = new Fields<>(List.of(NAME.asRequired(), IP, IPS, ports));
    }

    /** The fields of an endpoint the caller names: {@code name} optional, and {@code given} if written. */
    private Fields<Draft> fieldsNamed(String given) {
        Field<Draft, String> name = Field.optional(NAME.name(), NAME.expected(), at -> {
            String written = NAME.read().apply(at);
            if (!written.equals(given)) {
                throw at.problem(written + " (expected: the name in the path, " + given + ", or no name)");
            }
            return written;
        }, Draft::name);
        return new Fields<>(List.of(name, IP, IPS, ports));
    }

    public PortRange range() {
        return range;
    }

    public TargetPolicy policy() {
        return policy;
    }

    /**
     * Reads an endpoint that names itself, as a mapping file entry does: {@code name} is required.
     *
     * @return the endpoint, or empty with the reasons in {@code problems}
     */
    public Optional<Endpoint> read(JsonNode node, Problems problems) {
        return read(node, Optional.empty(), problems);
    }

    /**
     * Reads an endpoint whose name the caller knows, as the API's path gives it: a {@code name} in the tree is
     * optional and must equal {@code name}.
     *
     * @return the endpoint, or empty with the reasons in {@code problems}
     */
    public Optional<Endpoint> read(JsonNode node, String name, Problems problems) {
        return read(node, Optional.of(requireNonNull(name, "name")), problems);
    }

    private Optional<Endpoint> read(JsonNode node, Optional<String> givenName, Problems problems) {
        requireNonNull(problems, "problems");
        try {
            return Optional.of(endpoint(new Cursor(node, problems), givenName));
        } catch (Cursor.Invalid | Problems.Stop e) {
            return Optional.empty();
        }
    }

    /**
     * Reads one port entry on its own, with the rules and messages of a port in {@link #read}; the paths in the
     * messages start at the entry ({@code healthCheck.interval}). The Kubernetes source reads the port policy of
     * its annotations this way.
     *
     * @return the port, or empty with the reasons in {@code problems}
     */
    public Optional<EndpointPort> readPort(JsonNode node, Problems problems) {
        requireNonNull(problems, "problems");
        try {
            return Optional.of(port(new Cursor(node, problems)));
        } catch (Cursor.Invalid | Problems.Stop e) {
            return Optional.empty();
        }
    }

    private Endpoint endpoint(Cursor at, Optional<String> givenName) {
        Draft draft = (givenName.isPresent() ? fieldsNamed(givenName.get()) : namedFields).read(at, Draft::new);
        String name = givenName.orElse(draft.name);
        Endpoint endpoint = at.checkWithin(() -> new Endpoint(name, draft.ips, draft.ports));
        // The target policy, after the record's own rules: the field at fault is ip, ips[i] or ports[j].port.
        String ipField = at.field(IP.name()).present() ? IP.name() : IPS.name();
        return at.checkWithin(() -> policy.check(endpoint, ipField));
    }

    private EndpointPort port(Cursor at) {
        EndpointPort.Builder port = portFields.read(at, EndpointPort::builder);
        return at.checkWithin(port::build);
    }

    /**
     * Reads a health check on its own, as the daemon's config writes its default ({@code healthCheck: {...}}), with
     * the rules and messages of a port entry's.
     *
     * @param field the field's name in the caller's tree, which the message names
     * @throws IllegalArgumentException with the first problem's message
     */
    public static HealthCheck readHealthCheck(String field, JsonNode node) {
        requireNonNull(field, "field");
        Problems problems = Problems.first();
        try {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.set(field, node);
            Cursor at = new Cursor(root, problems).field(field);
            if (!at.node().isObject()) {
                throw at.expected(HEALTH_EXPECTED);
            }
            return healthCheck(at);
        } catch (Cursor.Invalid | Problems.Stop e) {
            throw new IllegalArgumentException(problems.isEmpty() ? field + ": " + node + " (expected: "
                    + HEALTH_EXPECTED + ")" : problems.list().get(0).message(), e);
        }
    }

    private static HealthCheck healthCheck(Cursor at) {
        HealthCheck.Builder check = HEALTH_FIELDS.read(at, HealthCheck::builder);
        return at.checkWithin(check::build);
    }

    /** {@code allowFrom: [CIDR, ...]}: at least one block, each checked by {@link Cidr#parse}. */
    private static List<Cidr> allowFrom(Cursor at) {
        List<Cidr> blocks = list(at, PortPolicy.ALLOW_FROM_EXPECTED,
                element -> element.check(() -> Cidr.parse(element.path(), element.text(Cidr.EXPECTED))));
        if (blocks.isEmpty()) {
            throw at.expected(PortPolicy.ALLOW_FROM_EXPECTED);
        }
        return blocks;
    }

    /** An integer of any size; one too large for a long is past any cap. */
    private static long maxConnections(Cursor at) {
        JsonNode node = at.integral(PortPolicy.MAX_CONNECTIONS_EXPECTED);
        return node.canConvertToLong() ? node.longValue() : Long.MAX_VALUE;
    }

    private static InetAddress ip(Cursor at) {
        return at.check(() -> Addresses.parseIp(at.path(), at.text(Addresses.IP_EXPECTED)));
    }

    /** Each element read by {@code element}; every element's problems are recorded before the list fails. */
    private static <T> List<T> list(Cursor at, String expected, Function<Cursor, T> element) {
        if (!at.node().isArray()) {
            throw at.expected(expected);
        }
        List<T> out = new ArrayList<>();
        boolean failed = false;
        for (int i = 0; i < at.node().size(); i++) {
            try {
                out.add(element.apply(at.element(i)));
            } catch (Cursor.Invalid e) {
                failed = true;
            }
        }
        if (failed) {
            throw Cursor.Invalid.INSTANCE;
        }
        return out;
    }

    /**
     * An integer value that fits an {@code int}; one too large for that is outside any port range, and a problem
     * saying {@code outOfRange}.
     */
    private static int integer(Cursor at, String expected, String outOfRange) {
        JsonNode node = at.integral(expected);
        if (!node.canConvertToInt()) {
            throw at.problem(node.asText() + " (expected: " + outOfRange + ")");
        }
        return node.intValue();
    }

    /** An endpoint's fields as read, before the record checks the rules across them; fields absent are null. */
    private static final class Draft {
        private String name;
        private List<InetAddress> ips;
        private List<EndpointPort> ports;

        void name(String value) {
            name = value;
        }

        void ips(List<InetAddress> value) {
            ips = value;
        }

        void ports(List<EndpointPort> value) {
            ports = value;
        }
    }
}
