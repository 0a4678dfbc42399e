package dev.portlocal.bench.runner;

import dev.portlocal.bench.runner.PeerConfigs.Route;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerConfigsTest {

    private static final List<Route> ROUTES = List.of(new Route("sink", 62111, 5201), new Route("http", 62113, 5280));

    @Test
    void haproxyForcesSpliceBothWaysInTcpModeOnLoopback() {
        String cfg = PeerConfigs.haproxy(2, ROUTES);
        assertTrue(cfg.contains("nbthread 2\n"));
        assertTrue(cfg.contains("mode tcp\n"));
        assertTrue(cfg.contains("option splice-request\n"));
        assertTrue(cfg.contains("option splice-response\n"));
        assertTrue(cfg.contains("bind 127.0.0.1:62111\n    server backend 127.0.0.1:5201\n"));
        assertTrue(cfg.contains("bind 127.0.0.1:62113\n    server backend 127.0.0.1:5280\n"));
        // Two fds per connection and two per pipe must fit the 20,000 fd hard limit.
        assertTrue(2 * PeerConfigs.HAPROXY_MAXCONN + 2 * PeerConfigs.HAPROXY_MAXPIPES < 20_000);
    }

    @Test
    void nginxStreamWithOneWorkerInTheForeground() {
        String conf = PeerConfigs.nginx("/run/x", "/usr/lib/nginx/modules/ngx_stream_module.so", ROUTES);
        assertTrue(conf.startsWith("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"));
        assertTrue(conf.contains("daemon off;\n"));
        assertTrue(conf.contains("worker_processes 1;\n"));
        assertTrue(conf.contains("pid /run/x/nginx.pid;\n"));
        assertTrue(conf.contains("listen 127.0.0.1:62111;\n        proxy_pass 127.0.0.1:5201;\n"));
    }

    @Test
    void nginxRelaysUdpWithOneResponsePerDatagram() {
        String conf = PeerConfigs.nginx("/run/x", "/m.so", List.of(new Route("udp-echo", 62154, 5207, true)));
        assertTrue(conf.contains("""
                    server {
                        listen 127.0.0.1:62154 udp;
                        proxy_pass 127.0.0.1:5207;
                        proxy_responses 1;
                        proxy_timeout 10s;
                    }
                """), conf);
    }

    @Test
    void haproxyRefusesUdpRoutes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeerConfigs.haproxy(1, List.of(new Route("udp-echo", 62114, 5207, true))));
        assertTrue(e.getMessage().contains("HAProxy 2.6 has no UDP proxy"), e.getMessage());
    }

    @Test
    void portlocalMappingFileCarriesTheUdpPort() throws Exception {
        List<Route> routes = List.of(new Route("http", 61003, 5280), new Route("udp-echo", 61004, 5207, true));
        String yaml = PeerConfigs.portlocalMappings(routes);
        assertTrue(yaml.contains("      - port: 5207\n        protocol: udp\n        nodePort: 61004\n"), yaml);
        List<Endpoint> endpoints = new MappingFileParser(PortRange.DEFAULT).parse("mappings.yaml",
                yaml.getBytes(StandardCharsets.UTF_8));
        assertEquals(EndpointPort.pinned(5207, Protocol.UDP, 61004), endpoints.get(1).ports().get(0));
    }

    @Test
    void portlocalAcceptsTheMappingFile() throws Exception {
        List<Route> routes = List.of(new Route("sink", 61001, 5201), new Route("http", 61003, 5280));
        List<Endpoint> endpoints = new MappingFileParser(PortRange.DEFAULT).parse("mappings.yaml",
                PeerConfigs.portlocalMappings(routes).getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("bench/sink", "bench/http"), endpoints.stream().map(Endpoint::name).toList());
        assertEquals(EndpointPort.pinned(5201, Protocol.TCP, 61001), endpoints.get(0).ports().get(0));
        assertEquals(EndpointPort.pinned(5280, Protocol.TCP, 61003), endpoints.get(1).ports().get(0));
    }

    @Test
    void portlocalMappingFilePinsTheNodePorts() {
        assertEquals("""
                endpoints:
                  - name: bench/sink
                    ip: 127.0.0.1
                    ports:
                      - port: 5201
                        protocol: tcp
                        nodePort: 62111
                  - name: bench/http
                    ip: 127.0.0.1
                    ports:
                      - port: 5280
                        protocol: tcp
                        nodePort: 62113
                """, PeerConfigs.portlocalMappings(ROUTES));
    }

    @Test
    void overVethPeersListenOnTheNodeAndForwardToThePod() {
        String cfg = PeerConfigs.haproxy(1, ROUTES, "198.18.0.11", "198.19.1.10");
        assertTrue(cfg.contains("bind 198.18.0.11:62111\n    server backend 198.19.1.10:5201\n"), cfg);
        String conf = PeerConfigs.nginx("/run/x", "/m.so", List.of(new Route("udp-echo", 62154, 5207, true)),
                "198.18.0.11", "198.19.1.10");
        assertTrue(conf.contains("listen 198.18.0.11:62154 udp;\n        proxy_pass 198.19.1.10:5207;\n"), conf);
        assertTrue(PeerConfigs.portlocalMappings(ROUTES, "198.19.1.10").contains("    ip: 198.19.1.10\n"));
    }

    @Test
    void kernelDnatIsOneRulePerMappingForLocalDestinationsFromOutsideAndFromTheNode() {
        String nft = PeerConfigs.kernelDnat(List.of(new Route("sink", 62201, 5201),
                new Route("udp-echo", 62204, 5207, true)), "198.19.1.10");
        String rules = """
                        fib daddr type local tcp dport 62201 dnat ip to 198.19.1.10:5201
                        fib daddr type local udp dport 62204 dnat ip to 198.19.1.10:5207
                """;
        assertTrue(nft.startsWith("table ip " + PeerConfigs.NFT_TABLE + " {\n"), nft);
        assertTrue(nft.contains("    chain prerouting {\n        type nat hook prerouting priority dstnat; "
                + "policy accept;\n" + rules), nft);
        assertTrue(nft.contains("    chain output {\n        type nat hook output priority -100; "
                + "policy accept;\n" + rules), nft);
        assertFalse(nft.contains("masquerade") || nft.contains("snat"), "the client's address reaches the pod");
    }
}
