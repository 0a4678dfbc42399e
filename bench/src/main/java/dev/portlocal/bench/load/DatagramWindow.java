package dev.portlocal.bench.load;

import java.util.Arrays;

/**
 * The datagrams one socket has in flight, at most one per slot, and what became of each: echoed (with its round-trip
 * time), lost (not echoed within the timeout; never retried), or an echo that came too late or twice. A datagram
 * carries its slot and a sequence number unique to this window, so a late echo is told apart from the datagram that
 * has since taken its slot.
 *
 * <p>Time is passed in (nanoseconds from any monotonic clock), so tests need no clock. Not thread-safe: one per
 * socket, used on its event loop.
 */
public final class DatagramWindow {

    /** {@link #echoed} of an echo whose datagram was already declared lost, or already echoed (a duplicate). */
    public static final long LATE = -1;
    /** {@link #echoed} of an echo that names a slot or a sequence number this window never sent. */
    public static final long INVALID = -2;

    private static final long FREE = -1;

    /** The sequence number in flight in each slot, or {@link #FREE}. */
    private final long[] inFlight;
    private final long[] sentAt;
    private final long timeoutNanos;
    private long nextSequence;

    public DatagramWindow(int slots, long timeoutNanos) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: >= 1)");
        }
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeoutNanos: " + timeoutNanos + " (expected: > 0)");
        }
        this.inFlight = new long[slots];
        this.sentAt = new long[slots];
        this.timeoutNanos = timeoutNanos;
        Arrays.fill(inFlight, FREE);
    }

    public int slots() {
        return inFlight.length;
    }

    /**
     * Puts a new datagram in flight in a free slot.
     *
     * @return its sequence number, to write into the datagram with the slot
     * @throws IllegalStateException if the slot is taken
     */
    public long send(int slot, long nowNanos) {
        if (inFlight[slot] != FREE) {
            throw new IllegalStateException("slot " + slot + " has sequence " + inFlight[slot] + " in flight");
        }
        long sequence = nextSequence++;
        inFlight[slot] = sequence;
        sentAt[slot] = nowNanos;
        return sequence;
    }

    /**
     * An echo arrived. If it is of the datagram in flight in its slot, the slot becomes free.
     *
     * @return the round-trip time in nanoseconds (>= 0), {@link #LATE} or {@link #INVALID}
     */
    public long echoed(int slot, long sequence, long nowNanos) {
        if (slot < 0 || slot >= inFlight.length || sequence < 0 || sequence >= nextSequence) {
            return INVALID;
        }
        if (inFlight[slot] != sequence) {
            return LATE;
        }
        inFlight[slot] = FREE;
        return Math.max(0, nowNanos - sentAt[slot]);
    }

    /**
     * Declares lost every datagram in flight for longer than the timeout and frees its slot.
     *
     * @param freed receives the freed slots; at least {@link #slots()} long
     * @return how many were declared lost: the first that many entries of {@code freed}
     */
    public int expire(long nowNanos, int[] freed) {
        int n = 0;
        for (int slot = 0; slot < inFlight.length; slot++) {
            if (inFlight[slot] != FREE && nowNanos - sentAt[slot] > timeoutNanos) {
                inFlight[slot] = FREE;
                freed[n++] = slot;
            }
        }
        return n;
    }

    /** How many slots have a datagram in flight. */
    public int inFlight() {
        int n = 0;
        for (long sequence : inFlight) {
            if (sequence != FREE) {
                n++;
            }
        }
        return n;
    }
}
