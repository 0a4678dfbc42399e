package dev.portlocal.tcp.relay;

import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * TCP keepalive on relayed sockets: after {@code idle} without traffic the kernel probes the peer every
 * {@code interval}, and resets the connection after {@code count} unanswered probes. A peer that vanished (a
 * crashed host, a NAT that forgot the flow) then frees its connection's two sockets long before the relay's idle
 * timeout would. Written {@code 60s/10s/6}, or {@code off}.
 *
 * <p>On epoll the client side inherits the options from the listening socket (Linux copies them on accept), so a
 * connection pays 4 {@code setsockopt} on its endpoint socket only.
 *
 * @param enabled  false for {@code off}: no keepalive, and the other fields are 0
 * @param idle     time without traffic before the first probe, 1 s to 32767 s
 * @param interval time between probes, 1 s to 32767 s
 * @param count    unanswered probes before the reset, 1-127
 */
public record TcpKeepalive(boolean enabled, Duration idle, Duration interval, int count) {

    public static final TcpKeepalive OFF = new TcpKeepalive(false, Duration.ZERO, Duration.ZERO, 0);
    public static final TcpKeepalive DEFAULT = new TcpKeepalive(true, Duration.ofSeconds(60), Duration.ofSeconds(10),
            6);
    /** What {@link #parse} accepts, in words. */
    public static final String EXPECTED = "IDLE/INTERVAL/COUNT such as 60s/10s/6 (whole seconds 1-32767, count "
            + "1-127), or off";

    /** Linux's {@code IPPROTO_TCP} and its keepalive options, for {@link Socket#setIntOpt}. */
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int MAX_SECONDS = 32767;

    public TcpKeepalive {
        if (enabled) {
            checkSeconds("idle", idle);
            checkSeconds("interval", interval);
            if (count < 1 || count > 127) {
                throw new IllegalArgumentException("tcpKeepalive: count " + count + " (expected: 1-127)");
            }
        } else if (!Duration.ZERO.equals(idle) || !Duration.ZERO.equals(interval) || count != 0) {
            throw new IllegalArgumentException("tcpKeepalive: off takes no idle, interval or count");
        }
    }

    private static void checkSeconds(String what, Duration value) {
        if (value == null || value.toNanosPart() % 1_000_000_000 != 0 || value.getSeconds() < 1
                || value.getSeconds() > MAX_SECONDS) {
            throw new IllegalArgumentException("tcpKeepalive: " + what + " " + value + " (expected: whole seconds, "
                    + "1-" + MAX_SECONDS + ")");
        }
    }

    /**
     * Parses {@code 60s/10s/6} or {@code off}; durations as {@code Durations} writes them ({@code 60s}, {@code 2m}).
     *
     * @throws IllegalArgumentException naming {@code field} and the text
     */
    public static TcpKeepalive parse(String field, String text) {
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        if (trimmed.equals("off")) {
            return OFF;
        }
        String[] parts = trimmed.split("/", -1);
        try {
            if (parts.length == 3) {
                return new TcpKeepalive(true, seconds(parts[0]), seconds(parts[1]), Integer.parseInt(parts[2]));
            }
        } catch (IllegalArgumentException e) {
            // reported below with the whole text
        }
        throw new IllegalArgumentException(field + ": " + text + " (expected: " + EXPECTED + ")");
    }

    private static Duration seconds(String text) {
        if (text.endsWith("m") && text.matches("\\d{1,4}m")) {
            return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        if (text.matches("\\d{1,5}s")) {
            return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        throw new IllegalArgumentException(text);
    }

    /** Turns keepalive on for {@code socket} with these values; does nothing when off. Linux only (epoll). */
    public void apply(Socket socket) throws IOException {
        if (!enabled) {
            return;
        }
        socket.setKeepAlive(true);
        socket.setIntOpt(IPPROTO_TCP, TCP_KEEPIDLE, (int) idle.getSeconds());
        socket.setIntOpt(IPPROTO_TCP, TCP_KEEPINTVL, (int) interval.getSeconds());
        socket.setIntOpt(IPPROTO_TCP, TCP_KEEPCNT, count);
    }

    /** {@code 60s/10s/6}, or {@code off}. */
    @Override
    public String toString() {
        return enabled ? idle.getSeconds() + "s/" + interval.getSeconds() + "s/" + count : "off";
    }
}
