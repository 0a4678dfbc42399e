package dev.portlocal.model;

import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * One port of an endpoint to expose, for one protocol. {@code nodePort}, when present, pins the node port instead
 * of letting the allocator choose one; whether it lies inside the port range is checked by whoever knows the range.
 */
public record EndpointPort(int port, Protocol protocol, OptionalInt nodePort) {

    public EndpointPort {
        PortRange.checkPort("port", port);
        requireNonNull(protocol, "protocol");
        requireNonNull(nodePort, "nodePort");
        if (nodePort.isPresent()) {
            PortRange.checkPort("nodePort", nodePort.getAsInt());
        }
    }

    /** An unpinned port: the allocator chooses the node port. */
    public EndpointPort(int port, Protocol protocol) {
        this(port, protocol, OptionalInt.empty());
    }

    /** A port pinned to {@code nodePort}. */
    public static EndpointPort pinned(int port, Protocol protocol, int nodePort) {
        return new EndpointPort(port, protocol, OptionalInt.of(nodePort));
    }

    @Override
    public String toString() {
        return port + "/" + protocol.wireName() + (nodePort.isPresent() ? " nodePort " + nodePort.getAsInt() : "");
    }
}
