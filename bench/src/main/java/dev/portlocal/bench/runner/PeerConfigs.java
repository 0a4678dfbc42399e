package dev.portlocal.bench.runner;

import java.util.List;

/**
 * The configuration files of the peers and of portlocal, as text: HAProxy {@code mode tcp} with forced splice in both
 * directions, nginx {@code stream} with one worker, portlocal with pinned node ports, and, over veth, the kernel's
 * DNAT rules. Each relays the three TCP backends; all but HAProxy (2.6 has no UDP proxy) also the UDP echo.
 */
final class PeerConfigs {

    /** A listener of a proxy and the backend port it relays to, over TCP or UDP. */
    record Route(String name, int listenPort, int backendPort, boolean udp) {
        /** A TCP route. */
        Route(String name, int listenPort, int backendPort) {
            this(name, listenPort, backendPort, false);
        }
    }

    /**
     * How long nginx keeps a UDP session without traffic, and portlocal's {@code --udp-idle-timeout}: the same, so
     * both hold the sessions of a run alike.
     */
    static final String UDP_SESSION_TIMEOUT = "10s";

    /** HAProxy holds 2 fds per connection and 2 per pipe: keep it under the 20,000 fd hard limit. */
    static final int HAPROXY_MAXCONN = 9_600;
    static final int HAPROXY_MAXPIPES = 256;

    private static final String LOOPBACK = "127.0.0.1";

    private PeerConfigs() {
    }

    static String haproxy(int threads, List<Route> routes) {
        return haproxy(threads, routes, LOOPBACK, LOOPBACK);
    }

    /** HAProxy listening on {@code listenHost}, forwarding to the backends on {@code backendHost}. */
    static String haproxy(int threads, List<Route> routes, String listenHost, String backendHost) {
        return haproxy(threads, routes, listenHost, backendHost, HAPROXY_MAXCONN);
    }

    /**
     * The same with {@code maxconn} connections: HAProxy refuses to start when maxconn's fds plus one per listener
     * pass the fd limit, so the footprint's 1,001 listeners take a lower one.
     */
    static String haproxy(int threads, List<Route> routes, String listenHost, String backendHost, int maxconn) {
        StringBuilder sb = new StringBuilder()
                .append("global\n")
                .append("    nbthread ").append(threads).append('\n')
                .append("    maxconn ").append(maxconn).append('\n')
                .append("    maxpipes ").append(HAPROXY_MAXPIPES).append('\n')
                .append("\ndefaults\n")
                .append("    mode tcp\n")
                .append("    option splice-request\n")
                .append("    option splice-response\n")
                .append("    timeout connect 5s\n")
                .append("    timeout client 120s\n")
                .append("    timeout server 120s\n")
                .append("    maxconn ").append(maxconn).append('\n');
        for (Route route : routes) {
            if (route.udp()) {
                throw new IllegalArgumentException("route: " + route + " (expected: TCP; HAProxy 2.6 has no UDP "
                        + "proxy)");
            }
            sb.append("\nlisten ").append(route.name()).append('\n')
                    .append("    bind ").append(listenHost).append(':').append(route.listenPort()).append('\n')
                    .append("    server backend ").append(backendHost).append(':').append(route.backendPort())
                    .append('\n');
        }
        return sb.toString();
    }

    static String nginx(String runDir, String streamModule, List<Route> routes) {
        return nginx(runDir, streamModule, routes, LOOPBACK, LOOPBACK);
    }

    /** nginx listening on {@code listenHost}, forwarding to the backends on {@code backendHost}. */
    static String nginx(String runDir, String streamModule, List<Route> routes, String listenHost,
            String backendHost) {
        StringBuilder sb = new StringBuilder()
                .append("load_module ").append(streamModule).append(";\n")
                .append("daemon off;\n")
                .append("master_process on;\n")
                .append("worker_processes 1;\n")
                .append("worker_rlimit_nofile 20000;\n")
                .append("pid ").append(runDir).append("/nginx.pid;\n")
                .append("error_log ").append(runDir).append("/error.log warn;\n")
                .append("events {\n    worker_connections 19500;\n}\n")
                .append("stream {\n");
        for (Route route : routes) {
            sb.append("    server {\n")
                    .append("        listen ").append(listenHost).append(':').append(route.listenPort())
                    .append(route.udp() ? " udp" : "").append(";\n")
                    .append("        proxy_pass ").append(backendHost).append(':').append(route.backendPort())
                    .append(";\n");
            if (route.udp()) {
                // One reply per datagram ends the exchange; a session with no traffic ends after the timeout.
                sb.append("        proxy_responses 1;\n")
                        .append("        proxy_timeout ").append(UDP_SESSION_TIMEOUT).append(";\n");
            }
            sb.append("    }\n");
        }
        return sb.append("}\n").toString();
    }

    /** The mapping file, pinning each route's node port. */
    static String portlocalMappings(List<Route> routes) {
        return portlocalMappings(routes, LOOPBACK);
    }

    /** The mapping file for endpoints on {@code backendHost}, pinning each route's node port. */
    static String portlocalMappings(List<Route> routes, String backendHost) {
        StringBuilder sb = new StringBuilder("endpoints:\n");
        for (Route route : routes) {
            sb.append("  - name: bench/").append(route.name()).append('\n')
                    .append("    ip: ").append(backendHost).append('\n')
                    .append("    ports:\n")
                    .append("      - port: ").append(route.backendPort()).append('\n')
                    .append("        protocol: ").append(route.udp() ? "udp" : "tcp").append('\n')
                    .append("        nodePort: ").append(route.listenPort()).append('\n');
        }
        return sb.toString();
    }

    /** The nftables table that holds the kernel-DNAT target's rules; {@code nft delete table} removes them all. */
    static final String NFT_TABLE = "portlocal_bench";

    /**
     * NodePortLocal's own data plane as nftables rules: one DNAT rule per mapping, matching any local destination
     * address (as NPL's iptables rules match {@code --dst-type LOCAL}) from prerouting and from output, so the port
     * answers from other hosts and from the node itself. Nothing else: no masquerade, so the client's address reaches
     * the backend, as with NPL.
     */
    static String kernelDnat(List<Route> routes, String backendHost) {
        StringBuilder rules = new StringBuilder();
        for (Route route : routes) {
            rules.append("        fib daddr type local ").append(route.udp() ? "udp" : "tcp").append(" dport ")
                    .append(route.listenPort()).append(" dnat ip to ").append(backendHost).append(':')
                    .append(route.backendPort()).append('\n');
        }
        return "table ip " + NFT_TABLE + " {\n"
                + "    chain prerouting {\n"
                + "        type nat hook prerouting priority dstnat; policy accept;\n"
                + rules
                + "    }\n"
                + "    chain output {\n"
                + "        type nat hook output priority -100; policy accept;\n"
                + rules
                + "    }\n"
                + "}\n";
    }
}
