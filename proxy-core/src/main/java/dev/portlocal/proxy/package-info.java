/**
 * The data plane's listeners: the {@link dev.portlocal.dataplane.PortOpener} implementation that binds node ports,
 * one listening socket per event loop with {@code SO_REUSEPORT}, and hands accepted sockets to the relay.
 *
 * <p>Threading: {@link dev.portlocal.proxy.DataPlane} is called from the control thread and blocks until each
 * listener is bound or closed on its loop; listeners and relays live on their event loops. The target of a mapping
 * is a volatile read per accepted connection.
 */
package dev.portlocal.proxy;
