/**
 * The portable relay for systems without epoll (or {@code --transport nio}): a small Netty pipeline relay with
 * half-closure and backpressure by reading only after the previous write completed. It passes the same scenario
 * suite as the epoll relay but is not the production hot path.
 *
 * <p>Threading: both channels of a connection are on the accepted channel's event loop.
 */
package dev.portlocal.tcp.nio;
