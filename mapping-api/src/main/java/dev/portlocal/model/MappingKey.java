package dev.portlocal.model;

import static java.util.Objects.requireNonNull;

/**
 * The identity of one mapping: an endpoint's port, for one protocol and one IP family. The endpoint's IP is not
 * part of the key, so an endpoint whose IP changes keeps its node port (NodePortLocal allocates a new one).
 */
public record MappingKey(String endpoint, int port, Protocol protocol, IpFamily family) {

    public MappingKey {
        requireNonNull(endpoint, "endpoint");
        requireNonNull(protocol, "protocol");
        requireNonNull(family, "family");
        PortRange.checkPort("port", port);
    }

    @Override
    public String toString() {
        return endpoint + ":" + port + "/" + protocol.wireName() + (family == IpFamily.IPv6 ? "/IPv6" : "");
    }
}
