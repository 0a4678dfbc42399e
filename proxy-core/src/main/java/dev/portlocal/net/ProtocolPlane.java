package dev.portlocal.net;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * The node ports of one protocol: TCP and UDP each implement it, and the data plane dispatches to the one a
 * mapping's protocol names. What the two share (a key open on another node port is closed first, listen addresses
 * of the mapping's family, the same retarget check) is decided once by the dispatcher, not here.
 *
 * <p>Threading: every method is called from the control thread (or the daemon's main thread at shutdown), never
 * from an event loop, and blocks until the plane's listeners are bound or closed on their loops.
 *
 * @param <S> what a metrics scrape reads from this plane
 */
public interface ProtocolPlane<S> {

    /** The mapping open under {@code key}, or null. */
    Mapping current(MappingKey key);

    /**
     * Binds the mapping's node port on every one of {@code addresses} (all of the mapping's family, at least one)
     * and starts relaying; the mapping's key is not open. Binds all or nothing, and never throws for a port that
     * cannot be bound: the outcome says why.
     */
    BindOutcome open(Mapping mapping, List<InetAddress> addresses);

    /** Points the open mapping, already checked to be open on {@code mapping}'s node port, at its new target. */
    void retarget(Mapping mapping);

    /**
     * Stops listening on the mapping's node port at once. What it carries ends in the background: TCP connections
     * drain for the drain timeout and are then reset; UDP sessions end now. Nothing happens if it is not open.
     */
    void close(Mapping mapping);

    /**
     * Shutdown: closes every node port at once, lets what they carry finish for up to {@code timeout}, resets the
     * rest and frees the plane's per-loop resources. Blocks until done.
     */
    void drain(Duration timeout);

    /** The plane's counters for a metrics scrape, waiting at most {@code timeout} for any event loop. */
    S snapshot(Duration timeout);
}
