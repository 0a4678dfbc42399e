/**
 * The data plane as the control plane sees it: {@link dev.portlocal.proxy.DataPlane}, the
 * {@link dev.portlocal.dataplane.PortOpener} implementation, a thin dispatcher over the TCP and UDP
 * {@link dev.portlocal.net.ProtocolPlane}s, and its configuration.
 *
 * <p>Threading: {@link dev.portlocal.proxy.DataPlane} is called from the control thread and blocks until each
 * listener is bound or closed on its loop; listeners and relays live on their event loops.
 */
package dev.portlocal.proxy;
