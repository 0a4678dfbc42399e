package dev.portlocal.api;

import dev.portlocal.model.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * Where the API listens, or where the CLI finds it: {@code IP:PORT} ({@code [IPv6]:PORT} for IPv6) or
 * {@code unix:/path.sock}. Host names are refused, so no lookup ever happens.
 */
public sealed interface ApiAddress permits ApiAddress.Tcp, ApiAddress.Unix {

    /** The default: loopback only, port 9180. */
    String DEFAULT = "127.0.0.1:9180";

    /** The unix socket under systemd ({@code RuntimeDirectory=portlocal}), where the CLI looks first. */
    String DEFAULT_SOCKET = "/run/portlocal/api.sock";

    /** What {@link #parse} accepts, in words, for error messages. */
    String EXPECTED = "IP:PORT, [IPv6]:PORT, https://IP:PORT or unix:/path.sock";

    /**
     * True if only this host can reach the address: a loopback IP or a unix socket. The daemon refuses to serve
     * the API anywhere else without a token, unless told it is insecure on purpose.
     */
    boolean isLocal();

    /** An IP and a TCP port; port 0 lets the kernel choose. With {@code tls}, HTTPS ({@code https://IP:PORT}). */
    record Tcp(InetSocketAddress address, boolean tls) implements ApiAddress {
        public Tcp {
            requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("api: " + address + " (expected: " + EXPECTED + ")");
            }
        }

        /** Plain HTTP. */
        public Tcp(InetSocketAddress address) {
            this(address, false);
        }

        @Override
        public boolean isLocal() {
            return address.getAddress().isLoopbackAddress();
        }

        @Override
        public String toString() {
            return (tls ? "https://" : "") + Addresses.format(address);
        }
    }

    /** A unix domain socket; its file permissions decide who may connect. */
    record Unix(Path path) implements ApiAddress {
        public Unix {
            requireNonNull(path, "path");
        }

        @Override
        public boolean isLocal() {
            return true;
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * Parses {@code 127.0.0.1:9180}, {@code [::1]:9180} or {@code unix:/run/portlocal/api.sock}.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    static ApiAddress parse(String value) {
        String text = value == null ? "" : value.trim();
        if (text.startsWith("https://")) {
            ApiAddress plain = parse(text.substring("https://".length()));
            if (plain instanceof Tcp tcp) {
                return new Tcp(tcp.address(), true);
            }
            throw new IllegalArgumentException("api: " + value + " (expected: " + EXPECTED + ")");
        }
        if (text.startsWith("unix:")) {
            String path = text.substring("unix:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("api: " + value + " (expected: " + EXPECTED + ")");
            }
            return new Unix(Path.of(path));
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("api: " + value + " (expected: " + EXPECTED + ")");
        }
        String host = text.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (host.indexOf(':') >= 0 && !bracketed) {
            throw new IllegalArgumentException("api: " + value + " (expected: " + EXPECTED
                    + "; write an IPv6 address in brackets)");
        }
        InetAddress ip;
        try {
            ip = Addresses.parseIp("api", host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("api: " + value + " (expected: " + EXPECTED + ")");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("api: " + value + " (expected: a port 0-65535 after the colon)");
        }
        return new Tcp(new InetSocketAddress(ip, port));
    }
}
