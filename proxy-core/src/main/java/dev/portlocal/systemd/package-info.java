/**
 * systemd integration: the sd_notify protocol (READY, RELOADING, STOPPING, STATUS, WATCHDOG) over an
 * {@code AF_UNIX} datagram socket, and a watchdog that pings only while every event loop answers.
 *
 * <p>Threading: the notifier owns one small epoll event loop ({@code portlocal-systemd}); its methods may be called
 * from any thread and block until the datagram is written. The watchdog's ticks run on that loop.
 */
package dev.portlocal.systemd;
