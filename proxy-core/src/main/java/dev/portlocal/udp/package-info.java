/**
 * UDP forwarding: a node port holds one {@code SO_REUSEPORT} datagram listener per event loop; each client address
 * gets a session with its own upstream socket connected to the endpoint, on the listener's loop.
 *
 * <p>Threading: a listener, its session table and its sessions' upstream channels live on one event loop, so the
 * table needs no lock. Counters shared by a mapping's listeners on several loops are {@code LongAdder}s and one
 * {@code AtomicInteger} for the session cap.
 */
package dev.portlocal.udp;
