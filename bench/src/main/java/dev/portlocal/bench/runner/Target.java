package dev.portlocal.bench.runner;

import dev.portlocal.bench.report.TargetKind;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Something the workloads run against: its three TCP addresses (bulk sink, bulk source, HTTP), its UDP echo address
 * if it relays UDP, and, for a proxy, the process whose CPU and memory are charged to it.
 */
record Target(String name, TargetKind kind, InetSocketAddress sink, InetSocketAddress source,
        InetSocketAddress http, Optional<InetSocketAddress> udpEcho, Optional<ChildProcess> process, boolean jvm) {

    Target {
        requireNonNull(name, "name");
        requireNonNull(kind, "kind");
        requireNonNull(sink, "sink");
        requireNonNull(source, "source");
        requireNonNull(http, "http");
        requireNonNull(udpEcho, "udpEcho");
        requireNonNull(process, "process");
    }

    /** The TCP addresses. */
    List<InetSocketAddress> addresses() {
        return List.of(sink, source, http);
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
