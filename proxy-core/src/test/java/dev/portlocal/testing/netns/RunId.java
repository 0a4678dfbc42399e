package dev.portlocal.testing.netns;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The id every namespace of one topology carries: {@code plnet-<owner pid>x<4 hex digits>}. The owner's pid in the
 * name lets a later run tell a leftover (its owner is gone) from a topology another run is still using, so a sweep
 * removes only what is both ours by prefix and dead.
 */
public record RunId(long ownerPid, int nonce) {

    /** The prefix of every namespace this library creates; nothing else is ever swept. */
    public static final String PREFIX = "plnet-";

    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,10})x([0-9a-f]{4})-.+");

    public RunId {
        if (ownerPid < 1) {
            throw new IllegalArgumentException("ownerPid: " + ownerPid + " (expected: >= 1)");
        }
        if (nonce < 0 || nonce > 0xffff) {
            throw new IllegalArgumentException("nonce: " + nonce + " (expected: 0-65535)");
        }
    }

    /** A fresh id owned by this JVM. */
    public static RunId generate() {
        return new RunId(ProcessHandle.current().pid(), ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** Parses {@link #toString()}'s form, e.g. from a system property handed to a child process. */
    public static RunId parse(String text) {
        requireNonNull(text, "text");
        Optional<RunId> id = ofNamespace(text + "-x");
        return id.orElseThrow(() -> new IllegalArgumentException("run id: " + text
                + " (expected: " + PREFIX + "<pid>x<4 hex digits>)"));
    }

    /** The run id a namespace name carries, if the name is one of ours. */
    public static Optional<RunId> ofNamespace(String namespace) {
        Matcher m = NAME.matcher(namespace);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new RunId(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2), 16)));
    }

    /** The name of this run's namespace for {@code role} ({@code lb}, {@code n1}, {@code n1-web-0}, ...). */
    public String namespace(String role) {
        requireNonNull(role, "role");
        return this + "-" + role;
    }

    /**
     * The namespaces in {@code existing} that a sweep may remove: ours by prefix, and owned by a process that
     * {@code alive} says is gone. Any other name, including a live run's, is left alone.
     */
    public static List<String> leftovers(List<String> existing, LongPredicate alive) {
        List<String> dead = new ArrayList<>();
        for (String ns : existing) {
            ofNamespace(ns).filter(id -> !alive.test(id.ownerPid())).ifPresent(id -> dead.add(ns));
        }
        return dead;
    }

    @Override
    public String toString() {
        return PREFIX + ownerPid + "x" + String.format(Locale.ROOT, "%04x", nonce);
    }
}
