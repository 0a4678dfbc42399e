/**
 * The reconciler: turns the desired endpoints of each source into open mappings through the
 * {@link dev.portlocal.dataplane.PortOpener} seam, choosing node ports and persisting them.
 *
 * <p>Threading: {@link dev.portlocal.control.MappingService} serializes every call with its own lock, since the
 * file watcher, the HTTP API and the retry timer drive it from different threads; it calls the opener while
 * holding that lock.
 */
package dev.portlocal.control;
