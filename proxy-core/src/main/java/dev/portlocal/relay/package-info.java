/**
 * The TCP relay: one state machine per proxied connection, driving our own {@code EpollIoHandle}s over a
 * {@link dev.portlocal.relay.Conduit} (a direct buffer now, a pipe for splice later).
 *
 * <p>Threading: a connection, both its sockets, its conduits and its timers live on exactly one event loop. No
 * field here is touched from another thread; other threads reach a connection only through
 * {@code loop.execute(...)}.
 */
package dev.portlocal.relay;
