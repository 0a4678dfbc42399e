package dev.portlocal.kubernetes.testing;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.Protocol;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link PortOpener} that binds a real socket on loopback for every mapping and relays nothing, as NodePortLocal
 * holds a socket per mapped port: a port held by another process is refused as the data plane refuses it. For
 * control-plane tests that need real port conflicts but no traffic.
 */
public final class BindingOpener implements PortOpener, AutoCloseable {

    private final Map<String, Closeable> open = new TreeMap<>();
    private final Map<String, Mapping> mappings = new TreeMap<>();

    private static String space(Mapping mapping) {
        return mapping.protocol().wireName() + "/" + mapping.family() + "/" + mapping.nodePort();
    }

    static InetAddress loopback(IpFamily family) {
        try {
            return InetAddress.getByName(family == IpFamily.IPv4 ? "127.0.0.1" : "::1");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public synchronized BindOutcome open(Mapping mapping) {
        if (open.containsKey(space(mapping))) {
            throw new AssertionError("opened twice: " + mapping);
        }
        InetSocketAddress address = new InetSocketAddress(loopback(mapping.family()), mapping.nodePort());
        try {
            Closeable socket;
            if (mapping.protocol() == Protocol.TCP) {
                ServerSocket server = new ServerSocket();
                try {
                    server.bind(address);
                } catch (IOException e) {
                    server.close();
                    throw e;
                }
                socket = server;
            } else {
                socket = new DatagramSocket(address);
            }
            open.put(space(mapping), socket);
            mappings.put(space(mapping), mapping);
            return BindOutcome.bound();
        } catch (BindException e) {
            return BindOutcome.inUse(e.getMessage());
        } catch (IOException e) {
            return BindOutcome.failed(e.toString());
        }
    }

    @Override
    public synchronized void retarget(Mapping mapping) {
        if (!open.containsKey(space(mapping))) {
            throw new AssertionError("retarget of a mapping that is not open: " + mapping);
        }
        mappings.put(space(mapping), mapping);
    }

    @Override
    public synchronized void close(Mapping mapping) {
        Closeable socket = open.remove(space(mapping));
        mappings.remove(space(mapping));
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** The open mappings by {@code protocol/family/nodePort}. */
    public synchronized Map<String, Mapping> openMappings() {
        return Map.copyOf(mappings);
    }

    @Override
    public synchronized void close() {
        for (Mapping mapping : Map.copyOf(mappings).values()) {
            close(mapping);
        }
    }
}
