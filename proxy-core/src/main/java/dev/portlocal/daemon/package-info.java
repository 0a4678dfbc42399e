/**
 * The daemon: wires the mapping file, the control plane and the data plane together, and handles signals.
 *
 * <p>Threading: the daemon's main thread starts and stops everything; the file watcher's thread and the retry
 * timer's thread call the {@link dev.portlocal.control.MappingService}, which serialises them.
 */
package dev.portlocal.daemon;
