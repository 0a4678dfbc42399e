package dev.portlocal.bench.file;

import java.nio.charset.StandardCharsets;

/**
 * Generates mapping files of many endpoints, one TCP port each, with loopback addresses only (nothing is ever
 * contacted: the benchmarks bind nothing).
 */
public final class MappingFiles {

    private MappingFiles() {
    }

    /**
     * A YAML mapping file of {@code endpoints} endpoints. Endpoints whose index is below {@code retargeted} get a
     * different address than in a file generated with {@code retargeted = 0}: the difference between the two files
     * is exactly that many retargets.
     */
    public static byte[] yaml(int endpoints, int retargeted) {
        StringBuilder sb = new StringBuilder(endpoints * 110).append("endpoints:\n");
        for (int i = 0; i < endpoints; i++) {
            int host = i < retargeted ? 200 : 1;
            sb.append("  - name: bench/pod-").append(i).append('\n')
                    .append("    ip: 127.").append(host).append('.').append(i / 250).append('.').append(i % 250 + 1)
                    .append('\n')
                    .append("    ports:\n")
                    .append("      - port: 8080\n")
                    .append("        protocol: tcp\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
