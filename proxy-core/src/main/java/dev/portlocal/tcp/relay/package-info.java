/**
 * The epoll TCP relay: one state machine per proxied connection, driving our own {@code EpollIoHandle}s, with one
 * {@code Direction} each way over a conduit (copy, or splice through a pipe).
 *
 * <p>Threading: a connection, both its sockets, its conduits and its timers live on exactly one event loop. No
 * field here is touched from another thread; other threads reach a connection only through
 * {@code loop.execute(...)}.
 */
package dev.portlocal.tcp.relay;
