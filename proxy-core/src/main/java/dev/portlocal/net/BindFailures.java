package dev.portlocal.net;

import dev.portlocal.dataplane.BindOutcome;
import io.netty.channel.unix.Errors;

import java.net.BindException;

/**
 * What a failed bind of a node port means for the control plane, TCP and UDP alike: a port another process holds
 * is {@code IN_USE} (the allocator skips it), anything else is {@code FAILED} with the reason.
 *
 * <p>Threading: stateless.
 */
public final class BindFailures {

    private static final int EADDRINUSE = 98;

    private BindFailures() {
    }

    /** The outcome of a bind of {@code nodePort} that threw {@code e}: Netty's native errno or the JDK's. */
    public static BindOutcome outcomeOf(int nodePort, Exception e) {
        String where = "nodePort " + nodePort;
        if (e instanceof Errors.NativeIoException nativeIo && nativeIo.expectedErr() == -EADDRINUSE) {
            return BindOutcome.inUse(where + " is in use by another process");
        }
        if (e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")) {
            return BindOutcome.inUse(where + " is in use by another process");
        }
        return BindOutcome.failed(where + ": " + e.getMessage());
    }
}
