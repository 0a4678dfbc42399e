package dev.portlocal.net;

import io.netty.channel.epoll.Epoll;

import java.util.Locale;

/**
 * Which I/O layer the data plane runs on, TCP and UDP alike. {@code auto} is epoll on Linux, NIO elsewhere. The
 * choice is made once, by {@link EventLoops}; each protocol plane reads the resolved value once when it is built.
 */
public enum IoTransport {
    AUTO,
    EPOLL,
    NIO;

    /** Resolves {@code AUTO}; asking for epoll where it cannot load fails with the reason. */
    public IoTransport resolve() {
        switch (this) {
            case AUTO:
                return Epoll.isAvailable() ? EPOLL : NIO;
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport: epoll (unavailable: "
                            + Epoll.unavailabilityCause() + ")");
                }
                return EPOLL;
            default:
                return NIO;
        }
    }

    public static IoTransport parse(String value) {
        for (IoTransport t : values()) {
            if (t.name().equalsIgnoreCase(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("transport: " + value + " (expected: auto, epoll or nio)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
