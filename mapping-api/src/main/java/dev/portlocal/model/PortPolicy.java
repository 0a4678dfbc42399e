package dev.portlocal.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * Who may connect to a port's node port, and how much: the fields of a port entry that the data plane applies at
 * the accept. Each is optional; absent, the daemon's default applies.
 * <ul>
 *   <li>{@code allowFrom}: the client address blocks accepted; a TCP connection from elsewhere is reset at once
 *       and a UDP datagram dropped. Empty means absent (the daemon's {@code allowFrom}, else everyone).
 *       IPv4-mapped IPv6 clients are matched as IPv4.</li>
 *   <li>{@code maxConnections}: TCP connections (UDP sessions) of one mapping at once; past it, new ones are
 *       refused (reset) or dropped, and counted.</li>
 *   <li>{@code connectTimeout}: TCP only, how long the connect to the endpoint may take.</li>
 *   <li>{@code accessLog}: TCP only, whether this port's connections are written to the access log.</li>
 * </ul>
 *
 * <p>The record owns its rules and throws {@link FieldException} naming the field.
 */
public record PortPolicy(List<Cidr> allowFrom, OptionalInt maxConnections, Optional<Duration> connectTimeout,
                         Optional<Boolean> accessLog) {

    /** No field given: every default of the daemon. */
    public static final PortPolicy NONE = new PortPolicy(List.of(), OptionalInt.empty(), Optional.empty(),
            Optional.empty());
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(10);
    public static final String ALLOW_FROM_EXPECTED = "a list of at least one address block such as "
            + "10.244.0.0/16 or fd00::/8";
    public static final String MAX_CONNECTIONS_EXPECTED = "an integer, at least 1";
    public static final String CONNECT_TIMEOUT_EXPECTED = "a duration, more than 0, at most 10m";
    public static final String ACCESS_LOG_EXPECTED = "true or false";

    public PortPolicy {
        allowFrom = List.copyOf(requireNonNull(allowFrom, "allowFrom"));
        requireNonNull(maxConnections, "maxConnections");
        if (maxConnections.isPresent()) {
            checkMaxConnections("maxConnections", maxConnections.getAsInt());
        }
        requireNonNull(connectTimeout, "connectTimeout");
        connectTimeout.ifPresent(d -> checkConnectTimeout("connectTimeout", d));
        requireNonNull(accessLog, "accessLog");
    }

    /** The port's own {@code allowFrom}, else {@code defaults} (the daemon's; empty for everyone). */
    public List<Cidr> allowFromOr(List<Cidr> defaults) {
        return allowFrom.isEmpty() ? defaults : allowFrom;
    }

    /** @throws FieldException naming {@code field} unless {@code n} is at least 1 (and fits an int) */
    public static int checkMaxConnections(String field, long n) {
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new FieldException(field, n + " (expected: " + MAX_CONNECTIONS_EXPECTED + ")");
        }
        return (int) n;
    }

    /** @throws FieldException naming {@code field} unless {@code d} is more than 0 and at most 10 minutes */
    public static Duration checkConnectTimeout(String field, Duration d) {
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
            throw new FieldException(field, Durations.format(d) + " (expected: more than 0, at most 10m)");
        }
        return d;
    }

    /**
     * The rules that depend on the port's protocol: a connect timeout and the access log are TCP's only.
     *
     * @throws FieldException naming the field
     */
    public void checkProtocol(Protocol protocol) {
        if (protocol == Protocol.TCP) {
            return;
        }
        if (connectTimeout.isPresent()) {
            throw new FieldException("connectTimeout", Durations.format(connectTimeout.get()) + " (expected: only "
                    + "on tcp ports; " + protocol.wireName() + " has no connect)");
        }
        if (accessLog.isPresent()) {
            throw new FieldException("accessLog", accessLog.get() + " (expected: only on tcp ports; the access log "
                    + "has a line per TCP connection)");
        }
    }

    /** True when no field is given. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    public PortPolicy withAllowFrom(List<Cidr> value) {
        return new PortPolicy(value, maxConnections, connectTimeout, accessLog);
    }

    public PortPolicy withMaxConnections(int value) {
        return new PortPolicy(allowFrom, OptionalInt.of(value), connectTimeout, accessLog);
    }

    public PortPolicy withConnectTimeout(Duration value) {
        return new PortPolicy(allowFrom, maxConnections, Optional.of(value), accessLog);
    }

    public PortPolicy withAccessLog(boolean value) {
        return new PortPolicy(allowFrom, maxConnections, connectTimeout, Optional.of(value));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if (!allowFrom.isEmpty()) {
            s.append(" allowFrom ").append(allowFrom);
        }
        if (maxConnections.isPresent()) {
            s.append(" maxConnections ").append(maxConnections.getAsInt());
        }
        connectTimeout.ifPresent(d -> s.append(" connectTimeout ").append(Durations.format(d)));
        accessLog.ifPresent(a -> s.append(" accessLog ").append(a));
        return s.toString().trim();
    }
}
