/**
 * TCP node ports: {@link dev.portlocal.tcp.TcpPlane} binds each mapping's listeners (on epoll, one
 * {@code SO_REUSEPORT} socket per event loop and listen address, accepting with {@code accept4}; on NIO, one Netty
 * server channel per address), hands accepted sockets to the relay of its transport, drains connections on removal
 * and reads its counters for the metrics scrape.
 *
 * <p>Sub-packages, each depending only on those after it: {@code tcp.nio} (the NIO relay), {@code tcp.relay} (the
 * epoll relay's state machine), {@code tcp.pipe} (pipes and the splice conduit), {@code tcp.conduit} (the conduit
 * abstraction, the copy conduit and the relay counters).
 *
 * <p>Threading: the plane is called from the control thread and blocks until each listener is bound or closed on
 * its loop; listeners and relays live on their event loops. A mapping's target is a volatile read per accepted
 * connection.
 */
package dev.portlocal.tcp;
