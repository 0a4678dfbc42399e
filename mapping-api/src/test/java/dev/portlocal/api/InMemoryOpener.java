package dev.portlocal.api;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Mapping;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link PortOpener} without sockets: keeps the open mappings, refuses ports "held by another process", and fails
 * to bind the ports in {@link #failing}. Its {@link #probe} tells about both, as the data plane's can, unless
 * {@link #probes} is off; {@link #calls} records every open and close.
 */
final class InMemoryOpener implements PortOpener {

    final Set<Integer> takenByOtherProcess = new HashSet<>();
    final Map<Integer, String> failing = new TreeMap<>();
    final List<String> calls = new ArrayList<>();
    boolean probes = true;
    /** By {@code nodePort/protocol/family}: each protocol and family is its own port space. */
    private final Map<String, Mapping> open = new TreeMap<>();

    private static String space(Mapping mapping) {
        return mapping.nodePort() + "/" + mapping.protocol() + "/" + mapping.family();
    }

    @Override
    public synchronized Optional<BindOutcome> probe(Mapping mapping) {
        if (!probes) {
            return Optional.empty();
        }
        return Optional.of(outcome(mapping));
    }

    @Override
    public synchronized BindOutcome open(Mapping mapping) {
        calls.add("open " + space(mapping));
        BindOutcome outcome = outcome(mapping);
        if (!outcome.isBound()) {
            return outcome;
        }
        if (open.containsKey(space(mapping))) {
            throw new AssertionError("opened twice: " + mapping);
        }
        open.put(space(mapping), mapping);
        return BindOutcome.bound();
    }

    private BindOutcome outcome(Mapping mapping) {
        if (takenByOtherProcess.contains(mapping.nodePort())) {
            return BindOutcome.inUse("Address already in use");
        }
        String failure = failing.get(mapping.nodePort());
        return failure == null ? BindOutcome.bound() : BindOutcome.failed(failure);
    }

    @Override
    public synchronized void retarget(Mapping mapping) {
        open.put(space(mapping), mapping);
    }

    @Override
    public synchronized void close(Mapping mapping) {
        calls.add("close " + space(mapping));
        open.remove(space(mapping));
    }

    /** The open node ports ({@code nodePort/protocol/family}) and what they forward to. */
    synchronized Map<String, String> openPorts() {
        Map<String, String> out = new TreeMap<>();
        open.forEach((port, mapping) -> out.put(port, mapping.toString()));
        return out;
    }

    /** The session idle timeout of each open mapping, by {@code nodePort/protocol/family}. */
    synchronized Map<String, Optional<Duration>> idleTimeouts() {
        Map<String, Optional<Duration>> out = new TreeMap<>();
        open.forEach((port, mapping) -> out.put(port, mapping.idleTimeout()));
        return out;
    }

    /** The open node ports, sorted, whatever their protocol and family. */
    synchronized List<Integer> openNodePorts() {
        return open.values().stream().map(Mapping::nodePort).sorted().distinct().toList();
    }
}
