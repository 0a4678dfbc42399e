package dev.portlocal.tcp.relay;

import dev.portlocal.tcp.pipe.SplicePolicy;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The relay's knobs.
 *
 * @param connectTimeout  how long to wait for the endpoint to accept; then the client is reset
 * @param idleTimeout     a connection with no bytes in either direction for this long is closed
 * @param bufferSize      the copy conduit's buffer, per direction, held only while bytes wait in it
 * @param splicePolicy    when a direction moves bytes through a pipe instead
 * @param pipeSize        the capacity pipes are set to with {@code F_SETPIPE_SZ} (at most {@code fs.pipe-max-size})
 * @param maxPipesPerLoop the bound of each loop's pipe pool; past it directions copy
 * @param keepalive       TCP keepalive on both sockets of a connection
 */
public record RelayConfig(Duration connectTimeout, Duration idleTimeout, int bufferSize, SplicePolicy splicePolicy,
                          int pipeSize, int maxPipesPerLoop, TcpKeepalive keepalive) {

    public static final RelayConfig DEFAULT = new RelayConfig(Duration.ofSeconds(3), Duration.ofHours(1),
            128 * 1024, SplicePolicy.AUTO, 1024 * 1024, 256, TcpKeepalive.DEFAULT);

    public RelayConfig {
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(splicePolicy, "splicePolicy");
        requireNonNull(keepalive, "keepalive");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
        }
        if (bufferSize < 4096 || bufferSize > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: 4096-16777216)");
        }
        if (pipeSize < 4096 || pipeSize > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("pipeSize: " + pipeSize + " (expected: 4096-67108864)");
        }
        if (maxPipesPerLoop < 0) {
            throw new IllegalArgumentException("maxPipesPerLoop: " + maxPipesPerLoop + " (expected: >= 0)");
        }
    }

    public RelayConfig withConnectTimeout(Duration value) {
        return new RelayConfig(value, idleTimeout, bufferSize, splicePolicy, pipeSize, maxPipesPerLoop, keepalive);
    }

    public RelayConfig withIdleTimeout(Duration value) {
        return new RelayConfig(connectTimeout, value, bufferSize, splicePolicy, pipeSize, maxPipesPerLoop, keepalive);
    }

    public RelayConfig withSplicePolicy(SplicePolicy value) {
        return new RelayConfig(connectTimeout, idleTimeout, bufferSize, value, pipeSize, maxPipesPerLoop, keepalive);
    }

    public RelayConfig withPipeSize(int value) {
        return new RelayConfig(connectTimeout, idleTimeout, bufferSize, splicePolicy, value, maxPipesPerLoop,
                keepalive);
    }

    public RelayConfig withMaxPipesPerLoop(int value) {
        return new RelayConfig(connectTimeout, idleTimeout, bufferSize, splicePolicy, pipeSize, value, keepalive);
    }

    public RelayConfig withKeepalive(TcpKeepalive value) {
        return new RelayConfig(connectTimeout, idleTimeout, bufferSize, splicePolicy, pipeSize, maxPipesPerLoop,
                value);
    }
}
