package dev.portlocal.reader;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems of one read, in the order the reader meets them: unknown fields first, then the fields in the order
 * of the reader's table, then the rules that span fields. {@link #all()} collects every problem, as the mapping
 * file reports them; {@link #first()} stops the read at the first one, as the API answers with one error. Either
 * way the first problem is the same.
 *
 * <p>Not thread-safe: one read, one thread.
 */
public final class Problems {

    private final boolean stopAtFirst;
    private final List<Problem> list = new ArrayList<>();

    private Problems(boolean stopAtFirst) {
        this.stopAtFirst = stopAtFirst;
    }

    /** Collects every problem. */
    public static Problems all() {
        return new Problems(false);
    }

    /** Stops the read at the first problem. */
    public static Problems first() {
        return new Problems(true);
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** The problems so far, in order. */
    public List<Problem> list() {
        return List.copyOf(list);
    }

    int size() {
        return list.size();
    }

    /** Records {@code problem}; when stopping at the first, ends the read. */
    void add(Problem problem) {
        list.add(problem);
        if (stopAtFirst) {
            throw Stop.INSTANCE;
        }
    }

    /** Ends a read at its first problem; caught by {@link EndpointReader}. Carries no stack. */
    static final class Stop extends RuntimeException {
        static final Stop INSTANCE = new Stop();

        private Stop() {
            super("stop at the first problem", null, false, false);
        }
    }
}
