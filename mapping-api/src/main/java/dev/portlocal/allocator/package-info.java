/**
 * Node port allocation: one rotating-cursor port space per protocol and IP family, with pure in-memory bookkeeping.
 *
 * <p>Threading: not thread-safe; used only from the control thread (under the reconciler's lock). Nothing in
 * this package does I/O or imports {@code io.netty}.
 */
package dev.portlocal.allocator;
