/**
 * The harness's own loopback backends: a bulk sink, a bulk source, a minimal HTTP/1.1 "ok" responder and a UDP
 * echo, so a run needs nothing but the machine.
 *
 * <p>Threading: every handler runs on its channel's event loop and keeps per-connection state in its own fields;
 * shared handlers are stateless. The scanners are plain single-threaded objects.
 */
package dev.portlocal.bench.backend;
