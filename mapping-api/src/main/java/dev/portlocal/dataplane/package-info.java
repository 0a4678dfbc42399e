/**
 * The seam between the control plane and the data plane: {@link dev.portlocal.dataplane.PortOpener}.
 *
 * <p>Threading: the control plane calls a {@code PortOpener} from its own single control thread, never from an
 * event loop; calls may block until the listener is bound or closed. Nothing here imports {@code io.netty}.
 */
package dev.portlocal.dataplane;
