package dev.portlocal.bench.backend;

import dev.portlocal.bench.transport.AllowedAddresses;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the backends as their own process, so their CPU is not charged to the generator. Prints one
 * {@code ready sink=... source=... http=... udp-echo=...} line, then serves until its standard input closes (the
 * runner died or stopped it) or {@code --max-seconds} pass, whichever comes first: it never outlives a run.
 *
 * <p>Usage: {@code BackendMain --host 127.0.0.1 --sink-port P --source-port P --http-port P --udp-echo-port P
 * --threads N --max-seconds S}. Exit codes: 0 stopped, 1 failed to start, 2 bad arguments.
 */
public final class BackendMain {

    private BackendMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                System.err.println("unexpected argument: " + args[i]);
                System.exit(2);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 != 0) {
            System.err.println("missing value for " + args[args.length - 1]);
            System.exit(2);
        }
        InetAddress host = InetAddress.getByName(options.getOrDefault("host", "127.0.0.1"));
        if (!AllowedAddresses.allowed(host)) {
            System.err.println("host: " + host + " (expected: " + AllowedAddresses.EXPECTED + ")");
            System.exit(2);
        }
        long maxSeconds = Long.parseLong(options.getOrDefault("max-seconds", "1200"));
        BackendServer server;
        try {
            server = BackendServer.start(host,
                    Integer.parseInt(options.getOrDefault("sink-port", "0")),
                    Integer.parseInt(options.getOrDefault("source-port", "0")),
                    Integer.parseInt(options.getOrDefault("http-port", "0")),
                    Integer.parseInt(options.getOrDefault("udp-echo-port", "0")),
                    Integer.parseInt(options.getOrDefault("threads", "1")));
        } catch (Exception e) {
            System.err.println("backend failed to start: " + e);
            System.exit(1);
            return;
        }
        System.out.println("ready sink=" + server.sinkPort() + " source=" + server.sourcePort()
                + " http=" + server.httpPort() + " udp-echo=" + server.udpEchoPort());
        System.out.flush();
        Thread stdinWatcher = new Thread(() -> drain(System.in), "stdin-watcher");
        stdinWatcher.setDaemon(true);
        stdinWatcher.start();
        stdinWatcher.join(maxSeconds * 1000);
        server.close();
        System.exit(0);
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // Nothing to read: the runner never writes, it only closes.
            }
        } catch (IOException e) {
            // Treat as closed.
        }
    }
}
