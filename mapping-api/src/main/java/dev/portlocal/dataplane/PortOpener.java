package dev.portlocal.dataplane;

import dev.portlocal.model.Mapping;

import java.util.Optional;

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
     * What {@link #open} would answer for {@code mapping} now, as far as the data plane can tell without opening
     * it: a test bind of each listen address that never listens and is closed at once is fine; accepting or
     * receiving is not. {@link BindOutcome#bound()} if the node port is free, {@link BindOutcome.Status#IN_USE} if
     * another socket holds it, {@link BindOutcome.Status#FAILED} if it could not be opened for another reason (no
     * listen address of the family, say); empty when it cannot tell. The key of {@code mapping} may be open on
     * another node port (a move to a new pin); that listener is left alone.
     *
     * <p>The control plane asks before it changes anything, so that a pin another process holds is refused rather
     * than found taken by {@link #open} after other listeners were moved for it. A port taken between this answer
     * and {@code open} is still possible; {@code open} says so then. The default cannot tell.
     */
    default Optional<BindOutcome> probe(Mapping mapping) {
        return Optional.empty();
    }

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
