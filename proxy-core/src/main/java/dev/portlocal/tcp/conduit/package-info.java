/**
 * Where a relay direction's bytes wait between its two sockets: the {@link dev.portlocal.tcp.conduit.Conduit}
 * abstraction, the copy conduit (a pooled direct buffer held only while bytes wait in it), and the per-loop relay
 * counters the conduits and the pipe pool write.
 *
 * <p>Threading: event loop only; counters leave the loop only as {@link dev.portlocal.tcp.conduit.RelayStats}
 * snapshots taken on it.
 */
package dev.portlocal.tcp.conduit;
