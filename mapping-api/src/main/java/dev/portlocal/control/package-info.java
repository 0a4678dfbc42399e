/**
 * The reconciler: turns the desired endpoints of each source into open mappings through the
 * {@link dev.portlocal.dataplane.PortOpener} seam, choosing node ports and persisting them, and decides an API
 * change before it applies it; with the host's side of the port range ({@code HostPorts}, {@code KernelPortRange}).
 *
 * <p>Threading: {@link dev.portlocal.control.MappingService} serializes every call with its own lock and calls the
 * opener while holding it; the daemon drives it from its one control thread (restore, reloads, API requests,
 * retries, metric scrapes). {@code HostPorts} is thread-safe; {@code KernelPortRange} is stateless.
 */
package dev.portlocal.control;
