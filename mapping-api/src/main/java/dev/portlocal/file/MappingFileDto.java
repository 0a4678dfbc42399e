package dev.portlocal.file;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The raw shapes Jackson binds the mapping file to. Entries and ports stay {@link JsonNode}s at the level above,
 * so each is bound on its own and a bad one does not hide the errors of the others.
 */
final class MappingFileDto {

    private MappingFileDto() {
    }

    /** {@code ip} for one address, or {@code ips} for a dual-stack endpoint (one address of each family). */
    record EndpointDto(String name, String ip, List<String> ips, List<JsonNode> ports) {
        static final List<String> FIELDS = List.of("name", "ip", "ips", "ports");
    }

    /** Ports are {@code Long} so that an out-of-range number is a validation error, not an overflow. */
    record PortDto(Long port, String protocol, Long nodePort, String idleTimeout) {
        static final List<String> FIELDS = List.of("port", "protocol", "nodePort", "idleTimeout");
    }
}
