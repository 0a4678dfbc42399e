package dev.portlocal.dataplane;

import dev.portlocal.model.Mapping;

/**
 * The one interface between the control plane, which decides what is exposed, and the data plane, which listens
 * and relays. A node port is listening if and only if a mapping was opened on it and not yet closed.
 *
 * <p>Calls come from the control thread and are synchronous: when {@link #open} returns {@link BindOutcome#bound},
 * the port accepts connections.
 */
public interface PortOpener {

    /**
     * Binds {@code mapping.nodePort()} and starts forwarding to {@code mapping.target()}. Never throws for a port
     * that cannot be bound: the outcome says why.
     */
    BindOutcome open(Mapping mapping);

    /**
     * Points an open mapping at a new target (same key, same node port). The listener stays bound; connections
     * already relayed keep their old target.
     */
    void retarget(Mapping mapping);

    /**
     * Stops listening on the mapping's node port at once, so new connections are refused. Connections already
     * relayed drain for the configured drain timeout, then close. Idempotent.
     */
    void close(Mapping mapping);
}
