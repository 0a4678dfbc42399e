package dev.portlocal.udp;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The sessions of one UDP listener, keyed by the client's address and port, with idle expiry by periodic sweep.
 * Plain logic, no channels: time comes from an injected clock so tests run on virtual time.
 *
 * <p>Threading: one event loop (the listener's).
 *
 * @param <S> the session
 */
final class SessionTable<S> {

    private static final class Entry<S> {
        final S session;
        long lastActiveNanos;

        Entry(S session, long now) {
            this.session = session;
            this.lastActiveNanos = now;
        }
    }

    private final Map<InetSocketAddress, Entry<S>> sessions = new HashMap<>();
    private final LongSupplier nanoClock;

    SessionTable(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The client's session, marked active now, or null. */
    S touch(InetSocketAddress client) {
        Entry<S> e = sessions.get(client);
        if (e == null) {
            return null;
        }
        e.lastActiveNanos = nanoClock.getAsLong();
        return e.session;
    }

    void put(InetSocketAddress client, S session) {
        sessions.put(client, new Entry<>(session, nanoClock.getAsLong()));
    }

    /** Removes the client's session, if it is {@code session}. */
    boolean remove(InetSocketAddress client, S session) {
        Entry<S> e = sessions.get(client);
        if (e != null && e.session == session) {
            sessions.remove(client);
            return true;
        }
        return false;
    }

    /** Removes and returns every session idle for {@code idleNanos} or longer. */
    List<S> expire(long idleNanos) {
        long now = nanoClock.getAsLong();
        List<S> expired = new ArrayList<>();
        for (Iterator<Entry<S>> it = sessions.values().iterator(); it.hasNext(); ) {
            Entry<S> e = it.next();
            if (now - e.lastActiveNanos >= idleNanos) {
                it.remove();
                expired.add(e.session);
            }
        }
        return expired;
    }

    /** Removes and returns every session. */
    List<S> clear() {
        List<S> all = new ArrayList<>();
        for (Entry<S> e : sessions.values()) {
            all.add(e.session);
        }
        sessions.clear();
        return all;
    }

    int size() {
        return sessions.size();
    }
}
