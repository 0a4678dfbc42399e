/**
 * Networking both protocols share, importing neither: the event loops and the one epoll-or-NIO choice
 * ({@link dev.portlocal.net.IoTransport}, resolved once by {@link dev.portlocal.net.EventLoops}), listen-socket
 * setup with the probe that keeps a reuseport group ours, what a failed bind means, the two log lines of a node
 * port, and {@link dev.portlocal.net.ProtocolPlane}, the interface TCP and UDP each implement.
 *
 * <p>Threading: {@code EventLoops} is created and closed by the daemon's main thread; the rest is stateless.
 */
package dev.portlocal.net;
