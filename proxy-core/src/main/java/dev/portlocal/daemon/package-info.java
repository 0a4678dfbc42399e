/**
 * The daemon: wires the mapping file, the HTTP API, the control plane and the data plane together, and handles
 * signals.
 *
 * <p>Threading: the daemon's main thread starts and stops everything. One control thread runs the restore, every
 * API request, every reload of the mapping file and the retry timer; the API's event loop and the file watcher's
 * thread only hand work to it, so they never block on the data plane.
 */
package dev.portlocal.daemon;
