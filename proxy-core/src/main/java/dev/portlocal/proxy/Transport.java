package dev.portlocal.proxy;

import io.netty.channel.epoll.Epoll;

import java.util.Locale;

/** Which I/O layer relays bytes. {@code auto} is epoll on Linux, NIO elsewhere. */
public enum Transport {
    AUTO,
    EPOLL,
    NIO;

    /** Resolves {@code AUTO}; asking for epoll where it cannot load fails with the reason. */
    public Transport resolve() {
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

    public static Transport parse(String value) {
        for (Transport t : values()) {
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
