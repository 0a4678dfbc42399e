package dev.portlocal.control;

import dev.portlocal.allocator.PortAllocator;
import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateEntry;
import dev.portlocal.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The reconciler. Each {@link Source} declares its desired endpoints with {@link #apply}; the service diffs them
 * against the open mappings and opens, retargets and closes listeners through the {@link PortOpener}.
 *
 * <p>Node ports: a pinned port is claimed as is (a conflict if another mapping or process holds it); otherwise the
 * port persisted before a restart is preferred while still free and bindable; otherwise the allocator's rotating
 * cursor picks one. A mapping keeps its node port while it exists, even when its endpoint's IP changes. A mapping
 * that could not be opened stays desired, in {@link MappingState#CONFLICT} or {@link MappingState#ERROR}, and is
 * retried by {@link #apply} and {@link #retryFailed} without disturbing the others.
 *
 * <p>Ownership: an endpoint name belongs to the first source that declares it, until that source drops it; the
 * same name from another source meanwhile is reported as failed and picked up once the owner lets go.
 *
 * <p>Threading: every public method is {@code synchronized}; the opener is called synchronously under the lock.
 */
public final class MappingService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MappingService.class);

    private static final Comparator<MappingKey> KEY_ORDER = Comparator.comparing(MappingKey::endpoint)
            .thenComparingInt(MappingKey::port)
            .thenComparing(MappingKey::protocol)
            .thenComparing(MappingKey::family);

    private final PortRange range;
    private final PortOpener opener;
    private final StateStore store;
    private final PortAllocator allocator;
    private final HostPorts hostPorts;

    /** The full desired list of each source, as last applied, including endpoints it does not own. */
    private final Map<Source, List<Endpoint>> desired = new EnumMap<>(Source.class);
    private final Map<String, Source> owners = new HashMap<>();
    /** Every desired mapping of an owned endpoint, listening or not. */
    private final Map<MappingKey, Slot> slots = new HashMap<>();
    /** Ports pinned by desired mappings, reserved in the allocator so it never hands them out. */
    private final Set<PortId> reservedPins = new HashSet<>();
    /** Ports persisted before the restart and not used yet: preferred for their key, avoided for others. */
    private final Map<MappingKey, StateEntry> restored = new HashMap<>();
    private final Set<Source> appliedSinceRestore = EnumSet.noneOf(Source.class);
    private Set<StateEntry> lastSaved;
    private boolean closed;
    private final AllocationFailures allocationFailures = new AllocationFailures();

    /** A service that counts free ports against the host's socket tables ({@link HostPorts#proc()}). */
    public MappingService(PortRange range, PortOpener opener, StateStore store) {
        this(range, opener, store, HostPorts.proc());
    }

    /** {@code hostPorts} tells {@link #freePorts} which ports other processes hold. */
    public MappingService(PortRange range, PortOpener opener, StateStore store, HostPorts hostPorts) {
        this.hostPorts = requireNonNull(hostPorts, "hostPorts");
        this.range = requireNonNull(range, "range");
        this.opener = requireNonNull(opener, "opener");
        this.store = requireNonNull(store, "store");
        this.allocator = new PortAllocator(range);
        for (Source source : Source.values()) {
            desired.put(source, List.of());
        }
    }

    public synchronized PortRange range() {
        return range;
    }

    /**
     * Loads the state store so that the ports assigned before a restart are preferred. Call once, before the first
     * {@link #apply}. Entries outside the current range, or repeating a port already restored, are dropped; their
     * mappings get new ports.
     */
    public synchronized void restore() {
        requireOpen();
        if (!slots.isEmpty()) {
            throw new IllegalStateException("restore() must be called before the first apply()");
        }
        restored.clear();
        Set<PortId> seen = new HashSet<>();
        int dropped = 0;
        for (StateEntry entry : store.load().values()) {
            MappingKey key = entry.key();
            String reason = null;
            if (!range.contains(entry.nodePort())) {
                reason = "outside port range " + range;
            } else if (!seen.add(new PortId(key.protocol(), key.family(), entry.nodePort()))) {
                reason = "nodePort listed twice";
            }
            if (reason != null) {
                dropped++;
                log.atInfo().setMessage("state_entry_dropped")
                        .addKeyValue("endpoint", key.endpoint())
                        .addKeyValue("port", key.port())
                        .addKeyValue("protocol", key.protocol())
                        .addKeyValue("family", key.family())
                        .addKeyValue("nodePort", entry.nodePort())
                        .addKeyValue("reason", reason)
                        .log();
            } else {
                restored.put(key, entry);
            }
        }
        appliedSinceRestore.clear();
        lastSaved = null;
        log.atInfo().setMessage("state_restored")
                .addKeyValue("file", store.file())
                .addKeyValue("entries", restored.size())
                .addKeyValue("dropped", dropped)
                .log();
    }

    /**
     * Makes {@code endpoints} the whole desired state of {@code source}, replacing what it applied before, and
     * reconciles. Never throws for a mapping that cannot be opened: the result and {@link #mappings} say why.
     */
    public synchronized ApplyResult apply(Source source, List<Endpoint> endpoints) {
        requireOpen();
        requireNonNull(source, "source");
        List<Endpoint> copy = List.copyOf(requireNonNull(endpoints, "endpoints"));
        desired.put(source, copy);
        appliedSinceRestore.add(source);
        Reconciliation run = new Reconciliation();
        run.reconcile(source);
        // The source has now declared everything it wants: its unused restored ports are no longer kept for it.
        restored.values().removeIf(entry -> entry.source() == source);
        persistIfChanged();
        return run.result();
    }

    /**
     * Tries again to open every desired mapping in {@link MappingState#CONFLICT} or {@link MappingState#ERROR}, so
     * that ports freed by other processes are taken up without a change of desired state. Called periodically.
     */
    public synchronized void retryFailed() {
        requireOpen();
        Reconciliation run = new Reconciliation();
        List<Slot> failed = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (!slot.isListening()) {
                failed.add(slot);
            }
        }
        run.assignAll(failed);
        persistIfChanged();
    }

    /**
     * The entries loaded by {@link #restore} for {@code source} that it has not declared since: what the source held
     * before the restart. The HTTP API rebuilds its endpoints from these before its first {@link #apply}, so they
     * come back with the same node ports. Empty once {@code source} has applied. Sorted by key.
     */
    public synchronized List<StateEntry> restoredEntries(Source source) {
        requireNonNull(source, "source");
        List<StateEntry> entries = new ArrayList<>();
        for (StateEntry entry : restored.values()) {
            if (entry.source() == source) {
                entries.add(entry);
            }
        }
        entries.sort(Comparator.comparing(StateEntry::key, KEY_ORDER));
        return entries;
    }

    /** The source that owns the endpoint {@code name}, if any source declares it. */
    public synchronized Optional<Source> owner(String name) {
        return Optional.ofNullable(owners.get(requireNonNull(name, "name")));
    }

    /** Every desired mapping of an owned endpoint, sorted by endpoint, port, protocol and family. */
    public synchronized List<MappingStatus> mappings() {
        List<Slot> sorted = new ArrayList<>(slots.values());
        sorted.sort(Comparator.comparing(slot -> slot.key, KEY_ORDER));
        List<MappingStatus> statuses = new ArrayList<>(sorted.size());
        for (Slot slot : sorted) {
            statuses.add(slot.status());
        }
        return statuses;
    }

    /** The listening mapping on {@code nodePort}, preferring IPv4 when both families use that port. */
    public synchronized Optional<MappingStatus> byNodePort(int nodePort, Protocol protocol) {
        Optional<MappingStatus> v4 = byNodePort(nodePort, protocol, IpFamily.IPv4);
        return v4.isPresent() ? v4 : byNodePort(nodePort, protocol, IpFamily.IPv6);
    }

    /** The listening mapping on {@code nodePort} in the space of {@code protocol} and {@code family}. */
    public synchronized Optional<MappingStatus> byNodePort(int nodePort, Protocol protocol, IpFamily family) {
        Slot slot = holderOf(new PortId(protocol, family, nodePort));
        return slot == null ? Optional.empty() : Optional.of(slot.status());
    }

    /**
     * How many ports of the space are neither held, nor pinned by a desired mapping, nor bound by another socket
     * on the host (as {@link HostPorts} last read it, at most a few seconds ago). The host's tables are read before
     * taking this service's lock, so a scrape never holds up the control thread for that read.
     */
    public int freePorts(Protocol protocol, IpFamily family) {
        BitSet bound = hostPorts.bound(protocol, family, range);
        synchronized (this) {
            return allocator.free(protocol, family, bound);
        }
    }

    /** Failed port assignments since start, by reason; thread-safe without this service's lock. */
    public AllocationFailures allocationFailures() {
        return allocationFailures;
    }

    /**
     * Closes every open mapping through the opener. The state file keeps the assignments, so the next start gets
     * the same ports back. Idempotent; the service cannot be used afterwards.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Slot slot : slots.values()) {
            if (slot.isListening()) {
                closeQuietly(slot.mapping());
                allocator.release(slot.key.protocol(), slot.key.family(), slot.nodePort);
                slot.nodePort = 0;
            }
        }
        slots.clear();
        log.atInfo().setMessage("mapping_service_closed").log();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("mapping service is closed");
        }
    }

    private Slot holderOf(PortId port) {
        for (Slot slot : slots.values()) {
            if (slot.isListening() && slot.nodePort == port.port()
                    && slot.key.protocol() == port.protocol() && slot.key.family() == port.family()) {
                return slot;
            }
        }
        return null;
    }

    private void persistIfChanged() {
        Set<StateEntry> snapshot = new HashSet<>();
        for (Slot slot : slots.values()) {
            if (slot.isListening()) {
                snapshot.add(new StateEntry(slot.key, slot.source, slot.target.getAddress(), slot.nodePort,
                        slot.pinned.isPresent(), slot.idleTimeout));
            }
        }
        for (StateEntry entry : restored.values()) {
            if (!slots.containsKey(entry.key())) {
                snapshot.add(entry);
            }
        }
        if (snapshot.equals(lastSaved)) {
            return;
        }
        try {
            store.save(snapshot);
            lastSaved = snapshot;
        } catch (IOException | RuntimeException e) {
            log.atWarn().setMessage("state_save_failed")
                    .addKeyValue("file", store.file())
                    .addKeyValue("error", e.toString())
                    .log();
        }
    }

    private void closeQuietly(Mapping mapping) {
        try {
            opener.close(mapping);
        } catch (RuntimeException e) {
            log.atWarn().setMessage("mapping_close_failed")
                    .addKeyValue("endpoint", mapping.key().endpoint())
                    .addKeyValue("port", mapping.key().port())
                    .addKeyValue("protocol", mapping.protocol())
                    .addKeyValue("nodePort", mapping.nodePort())
                    .addKeyValue("error", e.toString())
                    .log();
        }
    }

    private BindOutcome openQuietly(Mapping mapping) {
        try {
            return requireNonNull(opener.open(mapping), "opener.open() outcome");
        } catch (RuntimeException e) {
            return BindOutcome.failed(e.toString());
        }
    }

    /** One pass of the reconciler, collecting what it did. */
    private final class Reconciliation {
        private final List<MappingKey> added = new ArrayList<>();
        private final List<MappingKey> removed = new ArrayList<>();
        private final List<MappingKey> retargeted = new ArrayList<>();
        private final List<MappingKey> unchanged = new ArrayList<>();
        private final Map<MappingKey, ApplyResult.Failure> failed = new LinkedHashMap<>();
        /** Restored ports by port, so that automatic allocation leaves them to their previous owners. */
        private final Map<PortId, MappingKey> restoredPorts = new HashMap<>();

        void reconcile(Source applying) {
            Map<MappingKey, Want> wanted = wantedMappings(applying);
            syncReservations(wanted);

            List<Slot> toAssign = new ArrayList<>();
            List<MappingKey> gone = new ArrayList<>();
            for (MappingKey key : slots.keySet()) {
                if (!wanted.containsKey(key)) {
                    gone.add(key);
                }
            }
            gone.sort(KEY_ORDER);
            for (MappingKey key : gone) {
                remove(slots.remove(key));
            }

            for (Map.Entry<MappingKey, Want> entry : wanted.entrySet()) {
                Slot slot = slots.get(entry.getKey());
                if (slot == null) {
                    slot = new Slot(entry.getKey(), entry.getValue());
                    slots.put(slot.key, slot);
                    toAssign.add(slot);
                } else if (update(slot, entry.getValue())) {
                    toAssign.add(slot);
                }
            }
            assignAll(toAssign);
        }

        /** The desired mappings of owned endpoints; settles ownership and reports refused endpoints. */
        private Map<MappingKey, Want> wantedMappings(Source applying) {
            owners.entrySet().removeIf(owner -> desired.get(owner.getValue()).stream()
                    .noneMatch(endpoint -> endpoint.name().equals(owner.getKey())));
            Map<MappingKey, Want> wanted = new LinkedHashMap<>();
            for (Source source : Source.values()) {
                Set<String> names = new HashSet<>();
                for (Endpoint endpoint : desired.get(source)) {
                    String name = endpoint.name();
                    Source owner = owners.putIfAbsent(name, source);
                    String refusal = null;
                    if (!names.add(name)) {
                        refusal = "endpoint " + name + " is listed twice";
                    } else if (owner != null && owner != source) {
                        refusal = "endpoint " + name + " is owned by source " + owner.wireName();
                    }
                    if (refusal != null) {
                        if (source == applying) {
                            for (MappingKey key : endpoint.keys()) {
                                failed.put(key, new ApplyResult.Failure(key, MappingState.ERROR, refusal));
                            }
                            log.atInfo().setMessage("endpoint_refused")
                                    .addKeyValue("endpoint", name)
                                    .addKeyValue("source", source.wireName())
                                    .addKeyValue("reason", refusal)
                                    .log();
                        }
                        continue;
                    }
                    for (EndpointPort port : endpoint.ports()) {
                        for (InetAddress ip : endpoint.ips()) {
                            wanted.put(endpoint.key(port, ip),
                                    new Want(source, endpoint.target(port, ip), port.nodePort(), port.idleTimeout()));
                        }
                    }
                }
            }
            return wanted;
        }

        private void syncReservations(Map<MappingKey, Want> wanted) {
            Set<PortId> pins = new HashSet<>();
            for (Map.Entry<MappingKey, Want> entry : wanted.entrySet()) {
                OptionalInt pinned = entry.getValue().pinned();
                if (pinned.isPresent() && range.contains(pinned.getAsInt())) {
                    MappingKey key = entry.getKey();
                    pins.add(new PortId(key.protocol(), key.family(), pinned.getAsInt()));
                }
            }
            for (PortId pin : reservedPins) {
                if (!pins.contains(pin)) {
                    allocator.unreserve(pin.protocol(), pin.family(), pin.port());
                }
            }
            for (PortId pin : pins) {
                allocator.reserve(pin.protocol(), pin.family(), pin.port());
            }
            reservedPins.clear();
            reservedPins.addAll(pins);
        }

        private void remove(Slot slot) {
            removed.add(slot.key);
            if (slot.isListening()) {
                closeQuietly(slot.mapping());
                allocator.release(slot.key.protocol(), slot.key.family(), slot.nodePort);
                log.atInfo().setMessage("mapping_removed")
                        .addKeyValue("endpoint", slot.key.endpoint())
                        .addKeyValue("port", slot.key.port())
                        .addKeyValue("protocol", slot.key.protocol())
                        .addKeyValue("family", slot.key.family())
                        .addKeyValue("nodePort", slot.nodePort)
                        .log();
                slot.nodePort = 0;
            } else {
                log.atInfo().setMessage("mapping_removed")
                        .addKeyValue("endpoint", slot.key.endpoint())
                        .addKeyValue("port", slot.key.port())
                        .addKeyValue("protocol", slot.key.protocol())
                        .addKeyValue("family", slot.key.family())
                        .addKeyValue("state", slot.state)
                        .log();
            }
        }

        /** Applies a changed definition to an existing mapping; returns true if it needs a port assigned. */
        private boolean update(Slot slot, Want want) {
            slot.source = want.source();
            // A new session idle timeout is applied like a new target: the listener stays, new sessions use it.
            boolean targetChanged = !slot.target.equals(want.target()) || !slot.idleTimeout.equals(want.idleTimeout());
            slot.idleTimeout = want.idleTimeout();
            boolean movesToNewPin = want.pinned().isPresent()
                    && !(slot.isListening() && slot.nodePort == want.pinned().getAsInt());
            boolean pinChanged = !slot.pinned.equals(want.pinned());
            slot.pinned = want.pinned();
            if (pinChanged && movesToNewPin && slot.isListening()) {
                closeQuietly(slot.mapping());
                allocator.release(slot.key.protocol(), slot.key.family(), slot.nodePort);
                log.atInfo().setMessage("mapping_repinned")
                        .addKeyValue("endpoint", slot.key.endpoint())
                        .addKeyValue("port", slot.key.port())
                        .addKeyValue("protocol", slot.key.protocol())
                        .addKeyValue("family", slot.key.family())
                        .addKeyValue("oldNodePort", slot.nodePort)
                        .addKeyValue("nodePort", want.pinned().getAsInt())
                        .log();
                slot.nodePort = 0;
                slot.target = want.target();
                return true;
            }
            if (targetChanged) {
                InetSocketAddress oldTarget = slot.target;
                slot.target = want.target();
                if (slot.isListening()) {
                    try {
                        opener.retarget(slot.mapping());
                    } catch (RuntimeException e) {
                        log.atWarn().setMessage("mapping_retarget_failed")
                                .addKeyValue("endpoint", slot.key.endpoint())
                                .addKeyValue("port", slot.key.port())
                                .addKeyValue("protocol", slot.key.protocol())
                                .addKeyValue("nodePort", slot.nodePort)
                                .addKeyValue("error", e.toString())
                                .log();
                    }
                    retargeted.add(slot.key);
                    log.atInfo().setMessage("mapping_retargeted")
                            .addKeyValue("endpoint", slot.key.endpoint())
                            .addKeyValue("port", slot.key.port())
                            .addKeyValue("protocol", slot.key.protocol())
                            .addKeyValue("family", slot.key.family())
                            .addKeyValue("oldTarget", Addresses.format(oldTarget))
                            .addKeyValue("target", Addresses.format(slot.target))
                            .addKeyValue("nodePort", slot.nodePort)
                            .log();
                }
            }
            if (!slot.isListening()) {
                return true;
            }
            if (!targetChanged) {
                unchanged.add(slot.key);
            }
            return false;
        }

        /** Pinned mappings first, then those with a restored port, then the rest, so pins win freed ports. */
        void assignAll(List<Slot> toAssign) {
            restoredPorts.clear();
            for (StateEntry entry : restored.values()) {
                restoredPorts.put(new PortId(entry.key().protocol(), entry.key().family(), entry.nodePort()),
                        entry.key());
            }
            toAssign.sort(Comparator.comparingInt((Slot slot) -> slot.pinned.isPresent() ? 0
                            : restored.containsKey(slot.key) ? 1 : 2)
                    .thenComparing(slot -> slot.key, KEY_ORDER));
            for (Slot slot : toAssign) {
                assign(slot);
                if (slot.isListening()) {
                    added.add(slot.key);
                } else {
                    failed.put(slot.key, new ApplyResult.Failure(slot.key, slot.state, slot.message));
                }
            }
        }

        private void assign(Slot slot) {
            MappingKey key = slot.key;
            StateEntry previous = restored.remove(key);
            if (slot.pinned.isPresent()) {
                assignPinned(slot, slot.pinned.getAsInt());
                return;
            }
            if (previous != null && tryRestored(slot, previous.nodePort())) {
                return;
            }
            int[] failedPort = {0};
            BindOutcome[] failure = {null};
            OptionalInt port = allocator.allocate(key.protocol(), key.family(), candidate -> {
                if (failure[0] != null || isRestoredForAnother(key, candidate)) {
                    return false;
                }
                BindOutcome outcome = openQuietly(slot.mapping(candidate));
                switch (outcome.status()) {
                    case BOUND:
                        return true;
                    case IN_USE:
                        return false;
                    default:
                        failure[0] = outcome;
                        failedPort[0] = candidate;
                        return false;
                }
            });
            if (port.isPresent()) {
                listening(slot, port.getAsInt(), false);
            } else if (failure[0] != null) {
                failing(slot, MappingState.ERROR,
                        "nodePort " + failedPort[0] + " could not be bound: " + failure[0].detail());
            } else {
                failing(slot, MappingState.ERROR, "no free port in " + range);
            }
        }

        private void assignPinned(Slot slot, int port) {
            MappingKey key = slot.key;
            if (!range.contains(port)) {
                failing(slot, MappingState.ERROR, "nodePort " + port + " is outside the port range " + range);
                return;
            }
            if (!allocator.claim(key.protocol(), key.family(), port)) {
                Slot holder = holderOf(new PortId(key.protocol(), key.family(), port));
                failing(slot, MappingState.CONFLICT, "nodePort " + port + " is held by mapping "
                        + (holder == null ? "unknown" : holder.key));
                return;
            }
            BindOutcome outcome = openQuietly(slot.mapping(port));
            if (outcome.isBound()) {
                listening(slot, port, false);
                return;
            }
            allocator.release(key.protocol(), key.family(), port);
            if (outcome.status() == BindOutcome.Status.IN_USE) {
                failing(slot, MappingState.CONFLICT, "nodePort " + port + " is in use by another process");
            } else {
                failing(slot, MappingState.ERROR, "nodePort " + port + " could not be bound: " + outcome.detail());
            }
        }

        /** Tries the port persisted before the restart; false (and the port left free) if it cannot be used. */
        private boolean tryRestored(Slot slot, int port) {
            MappingKey key = slot.key;
            if (!range.contains(port) || allocator.isReserved(key.protocol(), key.family(), port)
                    || !allocator.claim(key.protocol(), key.family(), port)) {
                return false;
            }
            BindOutcome outcome = openQuietly(slot.mapping(port));
            if (outcome.isBound()) {
                listening(slot, port, true);
                return true;
            }
            allocator.release(key.protocol(), key.family(), port);
            log.atInfo().setMessage("restored_port_unavailable")
                    .addKeyValue("endpoint", key.endpoint())
                    .addKeyValue("port", key.port())
                    .addKeyValue("protocol", key.protocol())
                    .addKeyValue("family", key.family())
                    .addKeyValue("nodePort", port)
                    .addKeyValue("reason", outcome.detail())
                    .log();
            return false;
        }

        private boolean isRestoredForAnother(MappingKey key, int port) {
            MappingKey owner = restoredPorts.get(new PortId(key.protocol(), key.family(), port));
            return owner != null && !owner.equals(key);
        }

        private void listening(Slot slot, int port, boolean restoredPort) {
            slot.nodePort = port;
            slot.state = MappingState.LISTENING;
            slot.message = "";
            log.atInfo().setMessage("mapping_added")
                    .addKeyValue("endpoint", slot.key.endpoint())
                    .addKeyValue("port", slot.key.port())
                    .addKeyValue("protocol", slot.key.protocol())
                    .addKeyValue("family", slot.key.family())
                    .addKeyValue("target", Addresses.format(slot.target))
                    .addKeyValue("nodePort", port)
                    .addKeyValue("source", slot.source.wireName())
                    .addKeyValue("restored", restoredPort)
                    .log();
        }

        /** Records a failure, logging it only when it differs from the last one, so retries do not flood logs. */
        private void failing(Slot slot, MappingState state, String message) {
            allocationFailures.record(message);
            boolean changed = slot.state != state || !slot.message.equals(message);
            slot.state = state;
            slot.message = message;
            if (changed) {
                log.atInfo().setMessage(state == MappingState.CONFLICT ? "mapping_conflict" : "mapping_failed")
                        .addKeyValue("endpoint", slot.key.endpoint())
                        .addKeyValue("port", slot.key.port())
                        .addKeyValue("protocol", slot.key.protocol())
                        .addKeyValue("family", slot.key.family())
                        .addKeyValue("target", Addresses.format(slot.target))
                        .addKeyValue("nodePort", slot.pinned.isPresent() ? slot.pinned.getAsInt() : "none")
                        .addKeyValue("reason", message)
                        .log();
            }
        }

        ApplyResult result() {
            return new ApplyResult(added, removed, retargeted, unchanged, List.copyOf(failed.values()));
        }
    }

    /** What a source wants for one key. */
    private record Want(Source source, InetSocketAddress target, OptionalInt pinned, Optional<Duration> idleTimeout) {
    }

    /** A port in one (protocol, family) space. */
    private record PortId(Protocol protocol, IpFamily family, int port) {
    }

    /** The mutable record of one desired mapping; {@code nodePort} is non-zero iff it is listening. */
    private static final class Slot {
        final MappingKey key;
        Source source;
        InetSocketAddress target;
        OptionalInt pinned;
        Optional<Duration> idleTimeout;
        int nodePort;
        MappingState state = MappingState.ERROR;
        String message = "";

        Slot(MappingKey key, Want want) {
            this.key = key;
            this.source = want.source();
            this.target = want.target();
            this.pinned = want.pinned();
            this.idleTimeout = want.idleTimeout();
        }

        boolean isListening() {
            return nodePort != 0;
        }

        Mapping mapping() {
            return mapping(nodePort);
        }

        Mapping mapping(int port) {
            return new Mapping(key, target, port, idleTimeout);
        }

        MappingStatus status() {
            OptionalInt shown = isListening() ? OptionalInt.of(nodePort) : pinned;
            return new MappingStatus(key, source, target, shown, isListening() ? MappingState.LISTENING : state,
                    Objects.requireNonNullElse(message, ""));
        }
    }
}
