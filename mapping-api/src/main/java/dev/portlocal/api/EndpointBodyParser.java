package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.TargetPolicy;
import dev.portlocal.reader.EndpointReader;
import dev.portlocal.reader.Problem;
import dev.portlocal.reader.Problems;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Reads the body of {@code PUT /v1/endpoints/{name}}: one entry of the mapping file, as JSON, read by the same
 * {@link EndpointReader} as the file, so the two accept the same endpoints with the same messages.
 * <pre>
 * {"name": "shop/web", "ip": "10.244.1.23", "ports": [{"port": 8080, "protocol": "tcp", "nodePort": 61005}]}
 * {"ips": ["10.244.1.23", "fd00:10:244:1::17"], "ports": [{"port": 8080}]}
 * </pre>
 * {@code name} is optional and must match the path. The first problem is answered as a 400 naming the field and
 * repeating its value; a problem of the body as a whole names the field {@code body}.
 *
 * <p>Immutable and thread-safe.
 */
public final class EndpointBodyParser {

    private final EndpointReader reader;

    public EndpointBodyParser(PortRange range) {
        this(range, TargetPolicy.DEFAULT);
    }

    /** A parser whose bodies must be targets {@code policy} allows; a refused target is a 400 at its field. */
    public EndpointBodyParser(PortRange range, TargetPolicy policy) {
        this.reader = new EndpointReader(requireNonNull(range, "range"), requireNonNull(policy, "policy"));
    }

    /**
     * Parses {@code body} as the endpoint {@code name} (already checked by the router).
     *
     * @throws ApiException 400 naming the first invalid field
     */
    public Endpoint parse(String name, byte[] body) {
        requireNonNull(name, "name");
        JsonNode root = ApiJson.readBody(body);
        Problems problems = Problems.first();
        Optional<Endpoint> endpoint = reader.read(root, name, problems);
        if (endpoint.isPresent()) {
            return endpoint.get();
        }
        Problem first = problems.list().get(0);
        boolean whole = first.field().isEmpty();
        throw new ApiException(400, ApiError.of(whole ? "body: " + first.message() : first.message(),
                whole ? "body" : first.field(), ApiJson.echo(first.value())));
    }
}
