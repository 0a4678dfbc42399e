package dev.portlocal.control;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Mapping;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link PortOpener} without sockets. Records every call, keeps the set of open mappings, and simulates ports
 * held by other processes ({@link #takenByOtherProcess}) or failing binds ({@link #failing}), which its
 * {@link #probe} tells about when {@link #probes} is on (off, it cannot tell, as the interface's default). Binding a
 * port this opener already holds is a reconciler bug and throws an {@link AssertionError}.
 */
final class FakePortOpener implements PortOpener {

    final List<String> calls = new ArrayList<>();
    final Set<Integer> takenByOtherProcess = new HashSet<>();
    final Map<Integer, String> failing = new HashMap<>();
    RuntimeException throwOnOpen;
    boolean probes;
    final Map<String, Mapping> open = new HashMap<>();

    private static String space(Mapping mapping) {
        return mapping.protocol() + "/" + mapping.family() + "/" + mapping.nodePort();
    }

    @Override
    public BindOutcome open(Mapping mapping) {
        calls.add("open " + mapping.nodePort() + " " + mapping.key() + " -> " + Addresses.format(mapping.target()));
        if (throwOnOpen != null) {
            throw throwOnOpen;
        }
        if (open.containsKey(space(mapping))) {
            throw new AssertionError("opened twice: " + mapping + ", already " + open.get(space(mapping)));
        }
        if (takenByOtherProcess.contains(mapping.nodePort())) {
            return BindOutcome.inUse("Address already in use");
        }
        if (failing.containsKey(mapping.nodePort())) {
            return BindOutcome.failed(failing.get(mapping.nodePort()));
        }
        open.put(space(mapping), mapping);
        return BindOutcome.bound();
    }

    @Override
    public Optional<BindOutcome> probe(Mapping mapping) {
        if (!probes) {
            return Optional.empty();
        }
        calls.add("probe " + mapping.nodePort() + " " + mapping.key());
        if (takenByOtherProcess.contains(mapping.nodePort())) {
            return Optional.of(BindOutcome.inUse("Address already in use"));
        }
        if (failing.containsKey(mapping.nodePort())) {
            return Optional.of(BindOutcome.failed(failing.get(mapping.nodePort())));
        }
        return Optional.of(BindOutcome.bound());
    }

    @Override
    public void retarget(Mapping mapping) {
        calls.add("retarget " + mapping.nodePort() + " " + mapping.key() + " -> "
                + Addresses.format(mapping.target()));
        Mapping current = open.get(space(mapping));
        if (current == null || !current.key().equals(mapping.key())) {
            throw new AssertionError("retarget of a mapping that is not open: " + mapping);
        }
        open.put(space(mapping), mapping);
    }

    @Override
    public void close(Mapping mapping) {
        calls.add("close " + mapping.nodePort() + " " + mapping.key());
        open.remove(space(mapping));
    }

    /** The open mappings, as {@code nodePort key -> target}, sorted. */
    List<String> openMappings() {
        List<String> result = new ArrayList<>();
        for (Mapping mapping : open.values()) {
            result.add(mapping.nodePort() + " " + mapping.key() + " -> " + Addresses.format(mapping.target()));
        }
        result.sort(null);
        return result;
    }

    List<String> callsAndClear() {
        List<String> copy = List.copyOf(calls);
        calls.clear();
        return copy;
    }
}
