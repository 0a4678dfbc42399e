package dev.portlocal.reader;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Durations;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
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
 * across fields belong to the model records ({@link Endpoint}, {@link EndpointPort}) and its parsers
 * ({@link Addresses}, {@link Protocol}, {@link Durations}), which the readers call, so a rule is written once and a
 * record built here never fails its own checks. What depends on more than one endpoint (names unique in a file,
 * a node port held by another mapping) belongs to the caller.
 *
 * <p>Adding a field: one {@link Field} in {@link #portFields} (or {@link #endpointFields}), read with the
 * {@link Cursor}'s helpers and the model's check for its values, and its value passed to the record in
 * {@link #port} (or {@link #endpoint}); the record gets the component and its rule. Nested objects get a table of
 * their own, read with {@link Fields#read}.
 *
 * <p>Immutable and thread-safe.
 */
public final class EndpointReader {

    private static final String PORT_EXPECTED = "an integer, " + PortRange.PORTS;

    private static final Field<String> NAME = Field.optional("name", Endpoint.NAME_EXPECTED,
            at -> at.check(() -> Endpoint.checkName(at.text(Endpoint.NAME_EXPECTED))));
    private static final Field<String> REQUIRED_NAME = NAME.asRequired();
    /** {@code ip: A} or {@code ips: [A, B]}: exactly one of them. */
    private static final Field<InetAddress> IP = new Field<>("ip", Addresses.IP_EXPECTED, EndpointReader::ip,
            at -> {
                if (!at.sibling("ips").present()) {
                    at.expected(Addresses.IP_EXPECTED + ", or ips: [IPv4, IPv6]");
                }
            });
    private static final Field<List<InetAddress>> IPS = Field.optional("ips",
            "a list of one address, or one of each family", at -> {
                if (at.sibling("ip").present()) {
                    throw at.expected("either ip or ips, not both");
                }
                return list(at, "a list of one address, or one of each family", EndpointReader::ip);
            });
    private static final Field<Integer> PORT = Field.required("port", PORT_EXPECTED,
            at -> at.check(() -> PortRange.checkPort(at.path(), integer(at, PORT_EXPECTED, PortRange.PORTS))));
    private static final Field<Protocol> PROTOCOL = Field.optional("protocol", Protocol.EXPECTED,
            at -> at.check(() -> Protocol.parse(at.path(), at.text(Protocol.EXPECTED))));
    private static final Field<Duration> IDLE_TIMEOUT = Field.optional("idleTimeout", Durations.EXPECTED,
            at -> at.check(() -> EndpointPort.checkIdleTimeout(at.path(),
                    Durations.parse(at.path(), at.text(Durations.EXPECTED)))));

    private final PortRange range;
    private final Field<Integer> nodePort;
    private final Field<List<EndpointPort>> ports;
    private final Fields portFields;
    /** With {@code name} required, for endpoints that name themselves; without, for those the caller names. */
    private final Fields namedFields;
    private final Fields endpointFields;

    public EndpointReader(PortRange range) {
        this.range = requireNonNull(range, "range");
        String pinExpected = "an integer " + range.containsExpected();
        this.nodePort = Field.optional("nodePort", pinExpected,
                at -> at.check(() -> range.checkContains(at.path(),
                        integer(at, pinExpected, range.containsExpected()))));
        this.portFields = new Fields(List.of(PORT, PROTOCOL, nodePort, IDLE_TIMEOUT));
        this.ports = Field.required("ports", "a list of at least one port", this::ports);
        this.namedFields = new Fields(List.of(REQUIRED_NAME, IP, IPS, ports));
        this.endpointFields = new Fields(List.of(NAME, IP, IPS, ports));
    }

    public PortRange range() {
        return range;
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

    private Endpoint endpoint(Cursor at, Optional<String> givenName) {
        int before = at.problems().size();
        Fields.Values values = (givenName.isPresent() ? endpointFields : namedFields).read(at);
        Optional<String> written = values.get(givenName.isPresent() ? NAME : REQUIRED_NAME);
        if (givenName.isPresent() && written.isPresent() && !written.get().equals(givenName.get())) {
            at.field("name").problem(written.get() + " (expected: the name in the path, " + givenName.get()
                    + ", or no name)");
        }
        if (at.problems().size() > before) {
            throw Cursor.Invalid.INSTANCE;
        }
        String name = givenName.orElseGet(written::orElseThrow);
        List<InetAddress> ips = values.get(IP).map(List::of).orElseGet(() -> values.get(IPS).orElseThrow());
        List<EndpointPort> endpointPorts = values.get(ports).orElseThrow();
        return at.checkWithin(() -> new Endpoint(name, ips, endpointPorts));
    }

    private EndpointPort port(Cursor at) {
        int before = at.problems().size();
        Fields.Values values = portFields.read(at);
        if (at.problems().size() > before) {
            throw Cursor.Invalid.INSTANCE;
        }
        OptionalInt pin = values.get(nodePort).map(OptionalInt::of).orElse(OptionalInt.empty());
        return at.checkWithin(() -> new EndpointPort(values.get(PORT).orElseThrow(),
                values.get(PROTOCOL).orElse(Protocol.TCP), pin, values.get(IDLE_TIMEOUT)));
    }

    private List<EndpointPort> ports(Cursor at) {
        return list(at, "a list of at least one port", this::port);
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
}
