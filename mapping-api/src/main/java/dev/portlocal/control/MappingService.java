package dev.portlocal.control;

import dev.portlocal.allocator.PortAllocator;
import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.Source;
import dev.portlocal.model.TargetPolicy;
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
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

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
 * <p>One endpoint at a time: {@link #put} changes a single endpoint of a source all or nothing, as the HTTP API
 * needs. It {@link #decide}s first and refuses, with a {@link FailureKind}, before it opens or closes anything.
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
    private final TargetPolicy targetPolicy;

    /** The full desired list of each source, as last applied, including endpoints it does not own. */
    private final Map<Source, List<Endpoint>> desired = new EnumMap<>(Source.class);
    private final Map<String, Source> owners = new HashMap<>();
    /** Every desired mapping of an owned endpoint, listening or not. */
    private final Map<MappingKey, Slot> slots = new HashMap<>();
    /** Ports pinned by desired mappings, reserved in the allocator so it never hands them out. */
    private final Set<PortId> reservedPins = new HashSet<>();
    /** Ports persisted before the restart and not used yet: preferred for their key, avoided for others. */
    private final Map<MappingKey, StateEntry> restored = new HashMap<>();
    private Set<StateEntry> lastSaved;
    private boolean closed;
    private final AllocationFailures allocationFailures = new AllocationFailures();

    /** A service that counts free ports against the host's socket tables ({@link HostPorts#proc()}). */
    private final AtomicLong healthTransitions = new AtomicLong();

    public MappingService(PortRange range, PortOpener opener, StateStore store) {
        this(range, opener, store, HostPorts.proc());
    }

    /** A service that refuses the targets {@code targetPolicy} refuses, from any source. */
    public MappingService(PortRange range, PortOpener opener, StateStore store, TargetPolicy targetPolicy) {
        this(range, opener, store, HostPorts.proc(), targetPolicy);
    }

    /** {@code hostPorts} tells {@link #freePorts} which ports other processes hold. */
    private Optional<HealthCheck> defaultHealthCheck = Optional.empty();

    public MappingService(PortRange range, PortOpener opener, StateStore store, HostPorts hostPorts) {
        this(range, opener, store, hostPorts, TargetPolicy.DEFAULT);
    }

    public MappingService(PortRange range, PortOpener opener, StateStore store, HostPorts hostPorts,
                          TargetPolicy targetPolicy) {
        this.targetPolicy = requireNonNull(targetPolicy, "targetPolicy");
        this.hostPorts = requireNonNull(hostPorts, "hostPorts");
        this.range = requireNonNull(range, "range");
        this.opener = requireNonNull(opener, "opener");
        this.store = requireNonNull(store, "store");
        this.allocator = new PortAllocator(range);
        for (Source source : Source.values()) {
            desired.put(source, List.of());
        }
    }

    /**
     * The health check of every TCP port that has none of its own ({@code healthCheck} in the daemon's config); set
     * once, before the first source applies. Empty: only ports that ask for a check get one.
     */
    public synchronized void defaultHealthCheck(Optional<HealthCheck> check) {
        this.defaultHealthCheck = requireNonNull(check, "check");
    }

    /** The port's own health check, else the default for a TCP port; UDP ports have none (no connect to probe). */
    private Optional<HealthCheck> healthCheckOf(EndpointPort port) {
        if (port.healthCheck().isPresent() || port.protocol() != Protocol.TCP) {
            return port.healthCheck();
        }
        return defaultHealthCheck;
    }

    public synchronized PortRange range() {
        return range;
    }

    /** Which targets this service accepts; the API reads its bodies with the same policy. */
    public TargetPolicy targetPolicy() {
        return targetPolicy;
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
                logDropped("state_entry_dropped", entry, reason);
            } else {
                restored.put(key, entry);
            }
        }
        lastSaved = null;
        log.atInfo().setMessage("state_restored")
                .addKeyValue("file", store.file())
                .addKeyValue("entries", restored.size())
                .addKeyValue("dropped", dropped)
                .log();
    }

    /**
     * Adds ports that {@code source} held before a restart as read back from elsewhere than the state file (the
     * Kubernetes source reads them from the Pods' own annotations). Each hint is then used like a restored state
     * entry: preferred for its key at the source's next {@link #apply} while still free and bindable, else the key
     * gets a new port. The state file wins: a hint for a key that has a restored entry or a mapping already is
     * ignored. A hint outside the port range, or for a port restored, pinned or held for another key, or repeating
     * the port of an earlier hint, is dropped. Call before the source's first apply that should use them.
     *
     * @return how many hints were kept
     * @throws IllegalArgumentException if a hint names another source
     */
    public synchronized int restoreHints(Source source, Collection<StateEntry> hints) {
        requireOpen();
        requireNonNull(source, "source");
        Set<PortId> taken = new HashSet<>(reservedPins);
        for (StateEntry entry : restored.values()) {
            taken.add(new PortId(entry.key().protocol(), entry.key().family(), entry.nodePort()));
        }
        for (Slot slot : slots.values()) {
            if (slot.isListening()) {
                taken.add(new PortId(slot.key.protocol(), slot.key.family(), slot.nodePort));
            }
        }
        int kept = 0;
        int ignored = 0;
        int dropped = 0;
        for (StateEntry hint : requireNonNull(hints, "hints")) {
            if (hint.source() != source) {
                throw new IllegalArgumentException("hints: source " + hint.source().wireName() + " for " + hint.key()
                        + " (expected: " + source.wireName() + ")");
            }
            MappingKey key = hint.key();
            if (restored.containsKey(key) || slots.containsKey(key)) {
                ignored++;
                continue;
            }
            PortId port = new PortId(key.protocol(), key.family(), hint.nodePort());
            String reason = null;
            if (!range.contains(hint.nodePort())) {
                reason = "outside port range " + range;
            } else if (!taken.add(port)) {
                reason = "nodePort already restored or held for another mapping";
            }
            if (reason != null) {
                dropped++;
                logDropped("restore_hint_dropped", hint, reason);
                continue;
            }
            restored.put(key, hint);
            kept++;
        }
        log.atInfo().setMessage("restore_hints_loaded")
                .addKeyValue("source", source.wireName())
                .addKeyValue("kept", kept)
                .addKeyValue("ignored", ignored)
                .addKeyValue("dropped", dropped)
                .log();
        return kept;
    }

    private static void logDropped(String event, StateEntry entry, String reason) {
        log.atInfo().setMessage(event)
                .addKeyValue("source", entry.source().wireName())
                .addKeyValue("endpoint", entry.key().endpoint())
                .addKeyValue("port", entry.key().port())
                .addKeyValue("protocol", entry.key().protocol())
                .addKeyValue("family", entry.key().family())
                .addKeyValue("nodePort", entry.nodePort())
                .addKeyValue("reason", reason)
                .log();
    }

    /**
     * Makes {@code endpoints} the whole desired state of {@code source}, replacing what it applied before, and
     * reconciles. Never throws for a mapping that cannot be opened: the result and {@link #mappings} say why.
     */
    public synchronized ApplyResult apply(Source source, List<Endpoint> endpoints) {
        requireOpen();
        requireNonNull(source, "source");
        List<Endpoint> copy = allowedTargets(source, requireNonNull(endpoints, "endpoints"));
        desired.put(source, copy);
        Reconciliation run = new Reconciliation();
        run.reconcile(source);
        // The source has now declared everything it wants: its unused restored ports are no longer kept for it.
        restored.values().removeIf(entry -> entry.source() == source);
        persistIfChanged();
        return run.result();
    }

    /**
     * The endpoints whose targets the policy allows; the others are logged ({@code event=target_refused}) and left
     * out, as if the source had not listed them. The readers of the file and the API refuse them before; this
     * catches every other source (Kubernetes) and endpoints restored after the policy changed.
     */
    private List<Endpoint> allowedTargets(Source source, List<Endpoint> endpoints) {
        List<Endpoint> allowed = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            Optional<String> refused = targetPolicy.refusal(endpoint);
            if (refused.isEmpty()) {
                allowed.add(endpoint);
            } else {
                log.atWarn().setMessage("target_refused")
                        .addKeyValue("source", source.wireName())
                        .addKeyValue("endpoint", endpoint.name())
                        .addKeyValue("reason", refused.get())
                        .log();
            }
        }
        return List.copyOf(allowed);
    }

    /**
     * Creates or replaces the endpoint of {@code source} named like {@code endpoint}, keeping its other endpoints,
     * all or nothing. First {@link #decide}s; a refusal then has opened and closed nothing. Then opens what the
     * endpoint needs before it closes anything the endpoint gives up, and only once every mapping of it listens
     * makes it desired (retargets, closes the mappings it dropped). What can still fail after the decision is a
     * bind that another process wins in between, or one the opener could not foresee ({@link PortOpener#probe});
     * {@link PutStaging} says which listeners that can close and reopen.
     *
     * @return empty when every mapping of the endpoint listens; otherwise why the put changed nothing
     */
    public synchronized Optional<Refusal> put(Source source, Endpoint endpoint) {
        requireOpen();
        requireNonNull(source, "source");
        requireNonNull(endpoint, "endpoint");
        Optional<Refusal> refusal = decide(source, endpoint);
        if (refusal.isEmpty()) {
            refusal = new PutStaging(source, endpoint).run();
        }
        if (refusal.isPresent()) {
            allocationFailures.record(refusal.get().kind());
            persistIfChanged();
            return refusal;
        }
        List<Endpoint> next = new ArrayList<>();
        for (Endpoint other : desired.get(source)) {
            if (!other.name().equals(endpoint.name())) {
                next.add(other);
            }
        }
        next.add(endpoint);
        desired.put(source, List.copyOf(next));
        new Reconciliation().reconcile(source);
        persistIfChanged();
        return Optional.empty();
    }

    /**
     * Whether {@link #put} of {@code endpoint} by {@code source} would be refused, from what this service knows and
     * what the opener can tell without binding ({@link PortOpener#probe}); opens and closes nothing. Refused: a
     * name another source owns; a pin outside the range, held or pinned by another endpoint's mapping (or by one of
     * this endpoint that keeps it), or held by another process as far as the probe tells; more new mappings without
     * a pin than their port space has ports left for them.
     */
    public synchronized Optional<Refusal> decide(Source source, Endpoint endpoint) {
        requireOpen();
        requireNonNull(source, "source");
        String name = requireNonNull(endpoint, "endpoint").name();
        Optional<String> badTarget = targetPolicy.refusal(endpoint);
        if (badTarget.isPresent()) {
            return Optional.of(new Refusal(FailureKind.TARGET_REFUSED, Optional.empty(), badTarget.get()));
        }
        Source owner = owners.get(name);
        if (owner != null && owner != source) {
            return Optional.of(new Refusal(FailureKind.OWNED_BY_OTHER_SOURCE, Optional.empty(),
                    "endpoint " + name + " is owned by source " + owner.wireName()));
        }
        Set<MappingKey> keys = new HashSet<>(endpoint.keys());
        Map<PortSpace, List<MappingKey>> needPort = new LinkedHashMap<>();
        Map<PortSpace, Integer> newPins = new HashMap<>();
        for (EndpointPort port : endpoint.ports()) {
            for (InetAddress ip : endpoint.ips()) {
                MappingKey key = endpoint.key(port, ip);
                Slot slot = slots.get(key);
                PortSpace space = new PortSpace(key.protocol(), key.family());
                if (port.nodePort().isEmpty()) {
                    // A listening mapping keeps its node port when its pin is lifted.
                    if (slot == null || !slot.isListening()) {
                        needPort.computeIfAbsent(space, s -> new ArrayList<>()).add(key);
                    }
                    continue;
                }
                int pin = port.nodePort().getAsInt();
                if (slot != null && slot.isListening() && slot.nodePort == pin) {
                    continue;
                }
                Optional<Refusal> refused = decidePin(endpoint, keys, new Mapping(key, endpoint.target(port, ip), pin,
                        port.idleTimeout()));
                if (refused.isPresent()) {
                    return refused;
                }
                if (holderOf(new PortId(key.protocol(), key.family(), pin)) == null
                        && !allocator.isReserved(key.protocol(), key.family(), pin)) {
                    newPins.merge(space, 1, Integer::sum);
                }
            }
        }
        Map<PortId, MappingKey> keptForOthers = restoredPorts();
        keptForOthers.values().removeIf(keys::contains);
        for (Map.Entry<PortSpace, List<MappingKey>> need : needPort.entrySet()) {
            PortSpace space = need.getKey();
            long kept = keptForOthers.keySet().stream().filter(id -> space.contains(id)
                    && !allocator.isHeld(id.protocol(), id.family(), id.port())
                    && !allocator.isReserved(id.protocol(), id.family(), id.port())).count();
            int left = allocator.free(space.protocol(), space.family()) - newPins.getOrDefault(space, 0)
                    - (int) kept + departing(endpoint, keys, space).size();
            if (need.getValue().size() > left) {
                return Optional.of(Refusal.of(FailureKind.NO_FREE_PORT, need.getValue().get(Math.max(left, 0)),
                        "no free port in " + range));
            }
        }
        return Optional.empty();
    }

    /** Whether the pin of {@code mapping}, a mapping of {@code endpoint} not listening on it yet, can be had. */
    private Optional<Refusal> decidePin(Endpoint endpoint, Set<MappingKey> keys, Mapping mapping) {
        MappingKey key = mapping.key();
        int pin = mapping.nodePort();
        if (!range.contains(pin)) {
            return Optional.of(Refusal.of(FailureKind.PIN_OUT_OF_RANGE, key,
                    "nodePort " + pin + " is outside the port range " + range));
        }
        PortId id = new PortId(key.protocol(), key.family(), pin);
        Slot holder = holderOf(id);
        if (holder != null) {
            // A port this endpoint holds is free for it when the mapping holding it moves or goes.
            if (!holder.key.endpoint().equals(endpoint.name()) || keepsPort(endpoint, keys, holder)) {
                return Optional.of(Refusal.of(FailureKind.PIN_HELD, key,
                        "nodePort " + pin + " is held by mapping " + holder.key));
            }
            return Optional.empty();
        }
        Slot pinner = pinnerOf(id, endpoint.name());
        if (pinner != null) {
            return Optional.of(Refusal.of(FailureKind.PIN_HELD, key, "nodePort " + pin + " is pinned by mapping "
                    + pinner.key + ", which is not listening: " + pinner.message));
        }
        Optional<BindOutcome> probe = probeQuietly(mapping);
        if (probe.isPresent() && probe.get().status() == BindOutcome.Status.IN_USE) {
            return Optional.of(Refusal.of(FailureKind.PIN_IN_USE, key,
                    "nodePort " + pin + " is in use by another process"));
        }
        if (probe.isPresent() && probe.get().status() == BindOutcome.Status.FAILED) {
            return Optional.of(Refusal.of(FailureKind.BIND_FAILED, key,
                    "nodePort " + pin + " could not be bound: " + probe.get().detail()));
        }
        return Optional.empty();
    }

    /** True if {@code holder}, a mapping of {@code endpoint} as it is now, keeps its port in the new definition. */
    private static boolean keepsPort(Endpoint endpoint, Set<MappingKey> keys, Slot holder) {
        if (!keys.contains(holder.key)) {
            return false;
        }
        for (EndpointPort port : endpoint.ports()) {
            if (port.port() == holder.key.port() && port.protocol() == holder.key.protocol()) {
                return port.nodePort().isEmpty() || port.nodePort().getAsInt() == holder.nodePort;
            }
        }
        return false;
    }

    /** The listening mappings of {@code endpoint} as it is now that its new definition drops, in {@code space}. */
    private List<Slot> departing(Endpoint endpoint, Set<MappingKey> keys, PortSpace space) {
        List<Slot> out = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (slot.isListening() && slot.key.endpoint().equals(endpoint.name()) && !keys.contains(slot.key)
                    && space.contains(new PortId(slot.key.protocol(), slot.key.family(), slot.nodePort))) {
                out.add(slot);
            }
        }
        out.sort(Comparator.comparing(slot -> slot.key, KEY_ORDER));
        return out;
    }

    /** A desired mapping of another endpoint that pins {@code port} and does not hold it. */
    private Slot pinnerOf(PortId port, String endpoint) {
        for (Slot slot : slots.values()) {
            if (!slot.key.endpoint().equals(endpoint) && slot.pinned.isPresent()
                    && slot.pinned.getAsInt() == port.port() && slot.nodePort != port.port()
                    && slot.key.protocol() == port.protocol() && slot.key.family() == port.family()) {
                return slot;
            }
        }
        return null;
    }

    /**
     * What the health check of mapping {@code key} found, once it has {@code rise} or {@code fall} results in a row:
     * {@code up} or down. A result for another target than the mapping's (a check that started before a retarget),
     * for a mapping without a check, or one that changes nothing is ignored. While down, the data plane holds the
     * node port and refuses connections (the state is {@link MappingState#ENDPOINT_DOWN}); the annotation keeps it.
     *
     * @return true if the mapping's state changed
     */
    public synchronized boolean health(MappingKey key, InetSocketAddress target, boolean up) {
        requireOpen();
        Slot slot = slots.get(key);
        if (slot == null || slot.healthCheck.isEmpty() || !slot.target.equals(target) || slot.healthy == up) {
            return false;
        }
        boolean servingBefore = slot.serving();
        slot.healthy = up;
        healthTransitions.incrementAndGet();
        if (slot.isListening() && servingBefore != slot.serving()) {
            retargetQuietly(slot);
        }
        (up ? log.atInfo() : log.atWarn()).setMessage("mapping_health_changed")
                .addKeyValue("endpoint", key.endpoint())
                .addKeyValue("port", key.port())
                .addKeyValue("protocol", key.protocol())
                .addKeyValue("family", key.family())
                .addKeyValue("target", Addresses.format(target))
                .addKeyValue("nodePort", slot.isListening() ? slot.nodePort : 0)
                .addKeyValue("health", up ? "up" : "down")
                .addKeyValue("state", slot.status().state())
                .log();
        return true;
    }

    /** Health check transitions (up to down and back) since the start. */
    public long healthTransitions() {
        return healthTransitions.get();
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
                        slot.pinned.isPresent(), slot.idleTimeout, slot.declaredHealthCheck, slot.proxyProtocol,
                        slot.policy));
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

    private void retargetQuietly(Slot slot) {
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
    }

    private Optional<BindOutcome> probeQuietly(Mapping mapping) {
        try {
            return requireNonNull(opener.probe(mapping), "opener.probe() outcome");
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private BindOutcome openQuietly(Mapping mapping) {
        try {
            return requireNonNull(opener.open(mapping), "opener.open() outcome");
        } catch (RuntimeException e) {
            return BindOutcome.failed(e.toString());
        }
    }

    /** Restored ports by port: automatic allocation leaves each to the mapping it was restored for. */
    private Map<PortId, MappingKey> restoredPorts() {
        Map<PortId, MappingKey> out = new HashMap<>();
        for (StateEntry entry : restored.values()) {
            out.put(new PortId(entry.key().protocol(), entry.key().family(), entry.nodePort()), entry.key());
        }
        return out;
    }

    /** Claims the pinned node port of {@code mapping} and opens it there; the claim is let go if that fails. */
    private Attempt bindPinned(Mapping mapping) {
        MappingKey key = mapping.key();
        int port = mapping.nodePort();
        if (!range.contains(port)) {
            return Attempt.failed(FailureKind.PIN_OUT_OF_RANGE, "nodePort " + port + " is outside the port range "
                    + range);
        }
        if (!allocator.claim(key.protocol(), key.family(), port)) {
            Slot holder = holderOf(new PortId(key.protocol(), key.family(), port));
            return Attempt.failed(FailureKind.PIN_HELD, "nodePort " + port + " is held by mapping "
                    + (holder == null ? "unknown" : holder.key));
        }
        BindOutcome outcome = openQuietly(mapping);
        if (outcome.isBound()) {
            return Attempt.bound(port);
        }
        allocator.release(key.protocol(), key.family(), port);
        return outcome.status() == BindOutcome.Status.IN_USE
                ? Attempt.failed(FailureKind.PIN_IN_USE, "nodePort " + port + " is in use by another process")
                : Attempt.failed(FailureKind.BIND_FAILED, "nodePort " + port + " could not be bound: "
                        + outcome.detail());
    }

    /**
     * Opens the mapping {@code at} gives for each candidate port, from the allocator's cursor, on the first that
     * binds. Skips ports kept for another mapping in {@code kept} and ports another process holds; stops at any
     * other failure, which is likely to repeat on every port.
     */
    private Attempt bindAny(MappingKey key, IntFunction<Mapping> at, Map<PortId, MappingKey> kept) {
        int[] failedPort = {0};
        BindOutcome[] failure = {null};
        OptionalInt port = allocator.allocate(key.protocol(), key.family(), candidate -> {
            MappingKey keeper = kept.get(new PortId(key.protocol(), key.family(), candidate));
            if (failure[0] != null || (keeper != null && !keeper.equals(key))) {
                return false;
            }
            BindOutcome outcome = openQuietly(at.apply(candidate));
            if (outcome.status() == BindOutcome.Status.FAILED) {
                failure[0] = outcome;
                failedPort[0] = candidate;
            }
            return outcome.isBound();
        });
        if (port.isPresent()) {
            return Attempt.bound(port.getAsInt());
        }
        if (failure[0] != null) {
            return Attempt.failed(FailureKind.BIND_FAILED, "nodePort " + failedPort[0] + " could not be bound: "
                    + failure[0].detail());
        }
        return Attempt.failed(FailureKind.NO_FREE_PORT, "no free port in " + range);
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

    /**
     * Records that a desired mapping does not listen, and why. Logs at warn only when the reason differs from the
     * last one, so the 5 s retries of one episode log once (the allocation failure counter counts every attempt).
     */
    private void failing(Slot slot, FailureKind kind, String message) {
        allocationFailures.record(kind);
        MappingState state = kind.state();
        boolean changed = slot.state != state || !slot.message.equals(message);
        slot.nodePort = 0;
        slot.state = state;
        slot.message = message;
        if (changed) {
            log.atWarn().setMessage(state == MappingState.CONFLICT ? "mapping_conflict" : "mapping_failed")
                    .addKeyValue("endpoint", slot.key.endpoint())
                    .addKeyValue("port", slot.key.port())
                    .addKeyValue("protocol", slot.key.protocol())
                    .addKeyValue("family", slot.key.family())
                    .addKeyValue("target", Addresses.format(slot.target))
                    .addKeyValue("nodePort", slot.pinned.isPresent() ? slot.pinned.getAsInt() : "none")
                    .addKeyValue("kind", kind.wireName())
                    .addKeyValue("reason", message)
                    .log();
        }
    }

    /**
     * The opening half of {@link #put}, after {@link #decide} said yes: opens every listener the endpoint needs
     * before it closes any listener the endpoint has, then hands them to the service's mappings; on a failure,
     * closes what it opened and reopens what it closed, and the put is refused.
     *
     * <p>Order: mappings without a listener first, pinned before the rest (the endpoint's pins are kept from the
     * allocator meanwhile), then mappings that move to a new pin. A new listener touches none that serves, except
     * on a port this endpoint gives up: a pin that moves between its own mappings, or, in a range so full that a new
     * mapping can only take a port the endpoint drops, that port; the listener on it closes first. A move closes
     * the old listener, then binds the pin, since the data plane keeps one listener per mapping.
     *
     * <p>What remains after the decision: if a bind fails (another process took a free port in between, or a
     * failure the opener's probe could not foresee, or any pin at all when the opener cannot probe), listeners
     * opened here never served anyone, since nothing answered 200 for them; listeners closed here (a moved
     * mapping's, or one on a port the endpoint gives up) reopen on their own ports, once. If a port was taken
     * meanwhile so that one cannot reopen, that mapping stays desired in {@link MappingState#ERROR} and is retried.
     */
    private final class PutStaging {
        private final Endpoint endpoint;
        private final Map<MappingKey, Want> wants = new LinkedHashMap<>();
        /** Listeners opened here, by key. */
        private final Map<MappingKey, Mapping> opened = new LinkedHashMap<>();
        /** Listeners of this endpoint closed here, with the mapping each served. */
        private final Map<MappingKey, Mapping> closedEarly = new LinkedHashMap<>();
        private final Map<PortId, MappingKey> restoredPorts = restoredPorts();
        /** The endpoint's pins that were not reserved, reserved while staging. */
        private final Set<PortId> reservedHere = new HashSet<>();

        PutStaging(Source source, Endpoint endpoint) {
            this.endpoint = endpoint;
            for (EndpointPort port : endpoint.ports()) {
                for (InetAddress ip : endpoint.ips()) {
                    wants.put(endpoint.key(port, ip),
                            new Want(source, endpoint.target(port, ip), port.nodePort(), port.idleTimeout(),
                                    healthCheckOf(port), port.healthCheck(), port.proxyProtocol(), port.policy(),
                                    endpoint.ready()));
                }
            }
        }

        Optional<Refusal> run() {
            List<MappingKey> toOpen = new ArrayList<>();
            List<MappingKey> toMove = new ArrayList<>();
            for (Map.Entry<MappingKey, Want> entry : wants.entrySet()) {
                MappingKey key = entry.getKey();
                Slot slot = slots.get(key);
                OptionalInt pin = entry.getValue().pinned();
                if (pin.isPresent() && range.contains(pin.getAsInt())
                        && !allocator.isReserved(key.protocol(), key.family(), pin.getAsInt())) {
                    PortId id = new PortId(key.protocol(), key.family(), pin.getAsInt());
                    allocator.reserve(id.protocol(), id.family(), id.port());
                    reservedHere.add(id);
                }
                if (slot == null || !slot.isListening()) {
                    toOpen.add(key);
                } else if (pin.isPresent() && pin.getAsInt() != slot.nodePort) {
                    toMove.add(key);
                }
            }
            toOpen.sort(Comparator.comparingInt((MappingKey key) -> wants.get(key).pinned().isPresent() ? 0 : 1)
                    .thenComparing(KEY_ORDER));
            toMove.sort(KEY_ORDER);
            List<MappingKey> order = new ArrayList<>(toOpen);
            order.addAll(toMove);
            try {
                for (MappingKey key : order) {
                    Optional<Refusal> refusal = wants.get(key).pinned().isPresent() ? openPinned(key) : openAny(key);
                    if (refusal.isPresent()) {
                        undo();
                        return refusal;
                    }
                }
            } finally {
                for (PortId id : reservedHere) {
                    allocator.unreserve(id.protocol(), id.family(), id.port());
                }
            }
            adopt();
            return Optional.empty();
        }

        private Optional<Refusal> openPinned(MappingKey key) {
            int pin = wants.get(key).pinned().getAsInt();
            Slot holder = holderOf(new PortId(key.protocol(), key.family(), pin));
            if (holder != null && !holder.key.endpoint().equals(endpoint.name())) {
                return Optional.of(Refusal.of(FailureKind.PIN_HELD, key,
                        "nodePort " + pin + " is held by mapping " + holder.key));
            }
            if (holder != null && !closedEarly.containsKey(holder.key)) {
                closeEarly(holder);
            }
            Slot current = slots.get(key);
            if (current != null && current.isListening() && !closedEarly.containsKey(key)) {
                closeEarly(current);
            }
            return opened(key, bindPinned(mapping(key, pin)));
        }

        private Optional<Refusal> openAny(MappingKey key) {
            PortSpace space = new PortSpace(key.protocol(), key.family());
            while (true) {
                Attempt attempt = bindAny(key, port -> mapping(key, port), restoredPorts);
                if (attempt.kind() != FailureKind.NO_FREE_PORT) {
                    return opened(key, attempt);
                }
                Optional<Slot> givenUp = departing(endpoint, wants.keySet(), space).stream()
                        .filter(slot -> !closedEarly.containsKey(slot.key)).findFirst();
                if (givenUp.isEmpty()) {
                    return opened(key, attempt);
                }
                closeEarly(givenUp.get());
            }
        }

        /** Records the listener {@code attempt} opened for {@code key}; or why it did not, as a refusal. */
        private Optional<Refusal> opened(MappingKey key, Attempt attempt) {
            if (!attempt.isBound()) {
                return Optional.of(Refusal.of(attempt.kind(), key, attempt.message()));
            }
            opened.put(key, mapping(key, attempt.nodePort()));
            return Optional.empty();
        }

        private Mapping mapping(MappingKey key, int nodePort) {
            Want want = wants.get(key);
            return new Mapping(key, want.target(), nodePort, want.idleTimeout(), want.ready(), want.proxyProtocol(),
                    want.policy());
        }

        private void closeEarly(Slot slot) {
            Mapping mapping = slot.mapping();
            closeQuietly(mapping);
            allocator.release(slot.key.protocol(), slot.key.family(), slot.nodePort);
            closedEarly.put(slot.key, mapping);
        }

        /** Closes what was opened here and reopens what was closed here, each on its own port. */
        private void undo() {
            List<Mapping> openedHere = new ArrayList<>(opened.values());
            Collections.reverse(openedHere);
            for (Mapping mapping : openedHere) {
                closeQuietly(mapping);
                allocator.release(mapping.protocol(), mapping.family(), mapping.nodePort());
            }
            for (Mapping mapping : closedEarly.values()) {
                Attempt reopened = bindPinned(mapping);
                if (!reopened.isBound()) {
                    failing(slots.get(mapping.key()), FailureKind.BIND_FAILED, "nodePort " + mapping.nodePort()
                            + " could not be bound again after a refused change: " + reopened.message());
                }
            }
        }

        /** Hands the listeners opened here to the service's mappings; those closed here and dropped are gone. */
        private void adopt() {
            for (Map.Entry<MappingKey, Mapping> entry : opened.entrySet()) {
                MappingKey key = entry.getKey();
                Want want = wants.get(key);
                Slot slot = slots.computeIfAbsent(key, k -> new Slot(k, want));
                Mapping previous = closedEarly.get(key);
                if (previous != null) {
                    log.atInfo().setMessage("mapping_repinned")
                            .addKeyValue("endpoint", key.endpoint())
                            .addKeyValue("port", key.port())
                            .addKeyValue("protocol", key.protocol())
                            .addKeyValue("family", key.family())
                            .addKeyValue("oldNodePort", previous.nodePort())
                            .addKeyValue("nodePort", entry.getValue().nodePort())
                            .log();
                }
                slot.source = want.source();
                slot.target = want.target();
                slot.pinned = want.pinned();
                slot.idleTimeout = want.idleTimeout();
                slot.healthCheck = want.healthCheck();
                slot.declaredHealthCheck = want.declaredHealthCheck();
                slot.proxyProtocol = want.proxyProtocol();
                slot.policy = want.policy();
                slot.healthy = true; // a new listener starts up
                listening(slot, entry.getValue().nodePort(), false);
            }
            for (Map.Entry<MappingKey, Mapping> entry : closedEarly.entrySet()) {
                if (!opened.containsKey(entry.getKey())) {
                    // Dropped by the new definition, and closed already to free its port for a new mapping.
                    slots.remove(entry.getKey());
                    log.atInfo().setMessage("mapping_removed")
                            .addKeyValue("endpoint", entry.getKey().endpoint())
                            .addKeyValue("port", entry.getKey().port())
                            .addKeyValue("protocol", entry.getKey().protocol())
                            .addKeyValue("family", entry.getKey().family())
                            .addKeyValue("nodePort", entry.getValue().nodePort())
                            .log();
                }
            }
        }
    }

    /** One pass of the reconciler, collecting what it did. */
    private final class Reconciliation {
        private final List<MappingKey> added = new ArrayList<>();
        private final List<MappingKey> removed = new ArrayList<>();
        private final List<MappingKey> retargeted = new ArrayList<>();
        private final List<MappingKey> unchanged = new ArrayList<>();
        private final Map<MappingKey, ApplyResult.Failure> failed = new LinkedHashMap<>();

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
                                    new Want(source, endpoint.target(port, ip), port.nodePort(), port.idleTimeout(),
                                            healthCheckOf(port), port.healthCheck(), port.proxyProtocol(),
                                            port.policy(), endpoint.ready()));
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
            // A new idle timeout, PROXY protocol header or port policy is applied like a new target: the listener
            // stays, new sessions and connections use it.
            boolean targetChanged = !slot.target.equals(want.target()) || !slot.idleTimeout.equals(want.idleTimeout())
                    || !slot.proxyProtocol.equals(want.proxyProtocol()) || !slot.policy.equals(want.policy());
            slot.idleTimeout = want.idleTimeout();
            slot.proxyProtocol = want.proxyProtocol();
            slot.policy = want.policy();
            boolean servingBefore = slot.serving();
            boolean readinessChanged = slot.ready != want.ready();
            slot.ready = want.ready();
            // A new target or a new check starts the check afresh, up (as a new mapping starts).
            slot.health(want.healthCheck(), want.target());
            slot.declaredHealthCheck = want.declaredHealthCheck();
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
                    retargetQuietly(slot);
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
            if (servingBefore != slot.serving() && !targetChanged && slot.isListening()) {
                // Same target, new readiness: the data plane hears of it as a retarget; the key stays unchanged.
                retargetQuietly(slot);
            }
            if (readinessChanged) {
                log.atInfo().setMessage("mapping_readiness_changed")
                        .addKeyValue("endpoint", slot.key.endpoint())
                        .addKeyValue("port", slot.key.port())
                        .addKeyValue("protocol", slot.key.protocol())
                        .addKeyValue("family", slot.key.family())
                        .addKeyValue("ready", slot.ready)
                        .log();
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
            Map<PortId, MappingKey> restoredPorts = restoredPorts();
            toAssign.sort(Comparator.comparingInt((Slot slot) -> slot.pinned.isPresent() ? 0
                            : restored.containsKey(slot.key) ? 1 : 2)
                    .thenComparing(slot -> slot.key, KEY_ORDER));
            for (Slot slot : toAssign) {
                assign(slot, restoredPorts);
                if (slot.isListening()) {
                    added.add(slot.key);
                } else {
                    failed.put(slot.key, new ApplyResult.Failure(slot.key, slot.state, slot.message));
                }
            }
        }

        private void assign(Slot slot, Map<PortId, MappingKey> restoredPorts) {
            StateEntry previous = restored.remove(slot.key);
            if (slot.pinned.isEmpty() && previous != null && tryRestored(slot, previous.nodePort())) {
                return;
            }
            Attempt attempt = slot.pinned.isPresent() ? bindPinned(slot.mapping(slot.pinned.getAsInt()))
                    : bindAny(slot.key, slot::mapping, restoredPorts);
            if (attempt.isBound()) {
                listening(slot, attempt.nodePort(), false);
            } else {
                failing(slot, attempt.kind(), attempt.message());
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

        ApplyResult result() {
            return new ApplyResult(added, removed, retargeted, unchanged, List.copyOf(failed.values()));
        }
    }

    /**
     * What a source wants for one key. {@code healthCheck} is the check in force (the port's own, else the daemon's
     * default); {@code declaredHealthCheck} the port's own, which is what the state keeps.
     */
    private record Want(Source source, InetSocketAddress target, OptionalInt pinned, Optional<Duration> idleTimeout,
                        Optional<HealthCheck> healthCheck, Optional<HealthCheck> declaredHealthCheck,
                        Optional<ProxyProtocol> proxyProtocol, PortPolicy policy, boolean ready) {
    }

    /** A port in one (protocol, family) space. */
    private record PortId(Protocol protocol, IpFamily family, int port) {
    }

    /** One (protocol, family) port space. */
    private record PortSpace(Protocol protocol, IpFamily family) {
        boolean contains(PortId port) {
            return port.protocol() == protocol && port.family() == family;
        }
    }

    /** The outcome of giving one mapping a node port: the port it listens on now, or why not. */
    private record Attempt(int nodePort, FailureKind kind, String message) {
        static Attempt bound(int nodePort) {
            return new Attempt(nodePort, null, "");
        }

        static Attempt failed(FailureKind kind, String message) {
            return new Attempt(0, requireNonNull(kind, "kind"), message);
        }

        boolean isBound() {
            return kind == null;
        }
    }

    /** The mutable record of one desired mapping; {@code nodePort} is non-zero iff it is listening. */
    private static final class Slot {
        final MappingKey key;
        Source source;
        InetSocketAddress target;
        OptionalInt pinned;
        Optional<Duration> idleTimeout;
        boolean ready;
        Optional<HealthCheck> healthCheck;
        /** The port's own check, without the daemon's default: what the state keeps. */
        Optional<HealthCheck> declaredHealthCheck;
        Optional<ProxyProtocol> proxyProtocol;
        PortPolicy policy;
        /** What the health check found last (true without a check); reset to true for a new target or check. */
        boolean healthy = true;
        int nodePort;
        MappingState state = MappingState.ERROR;
        String message = "";

        Slot(MappingKey key, Want want) {
            this.key = key;
            this.source = want.source();
            this.target = want.target();
            this.pinned = want.pinned();
            this.idleTimeout = want.idleTimeout();
            this.ready = want.ready();
            this.healthCheck = want.healthCheck();
            this.declaredHealthCheck = want.declaredHealthCheck();
            this.proxyProtocol = want.proxyProtocol();
            this.policy = want.policy();
        }

        /** A new check, or the same check of a new target, starts up. */
        void health(Optional<HealthCheck> check, InetSocketAddress newTarget) {
            if (!check.equals(healthCheck) || !newTarget.equals(target)) {
                healthy = true;
            }
            healthCheck = check;
        }

        /** True if the data plane should accept on the node port: ready, and up if checked. */
        boolean serving() {
            return ready && healthy;
        }

        boolean isListening() {
            return nodePort != 0;
        }

        Mapping mapping() {
            return mapping(nodePort);
        }

        Mapping mapping(int port) {
            return new Mapping(key, target, port, idleTimeout, serving(), proxyProtocol, policy);
        }

        MappingStatus status() {
            OptionalInt shown = isListening() ? OptionalInt.of(nodePort) : pinned;
            MappingState shownState = !isListening() ? state
                    : !ready ? MappingState.NOT_READY
                    : !healthy ? MappingState.ENDPOINT_DOWN
                    : MappingState.LISTENING;
            return new MappingStatus(key, source, target, shown, shownState,
                    Objects.requireNonNullElse(message, ""), ready, healthCheck, idleTimeout, policy, proxyProtocol);
        }
    }
}
