package dev.portlocal.bench.runner;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolOutputTest {

    @Test
    void wrkRequestsPerSecond() {
        String out = """
                Running 5s test @ http://127.0.0.1:5280/
                  1 threads and 50 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency   302.11us  120.50us   5.21ms   91.00%
                    Req/Sec   165.62k     5.11k  171.90k    88.00%
                  824102 requests in 5.00s, 61.30MB read
                Requests/sec: 164810.45
                Transfer/sec:     12.26MB
                """;
        assertEquals(164810.45, ToolOutput.wrkRequestsPerSecond(out), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> ToolOutput.wrkRequestsPerSecond("unable to connect"));
    }

    @Test
    void iperf3ReceivedGbps() throws Exception {
        String json = "{\"start\":{},\"intervals\":[],\"end\":{\"sum_sent\":{\"bits_per_second\":3.8e10},"
                + "\"sum_received\":{\"bits_per_second\":3.73e10}}}";
        assertEquals(37.3, ToolOutput.iperf3ReceivedGbps(json), 1e-9);
    }

    @Test
    void iperf3ErrorIsReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToolOutput.iperf3ReceivedGbps("{\"start\":{},\"end\":{},\"error\":\"unable to connect\"}"));
        assertTrue(e.getMessage().contains("unable to connect"), e.getMessage());
    }
}
