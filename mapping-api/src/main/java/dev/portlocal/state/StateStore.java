package dev.portlocal.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Durations;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Persists node port assignments in {@code <stateDir>/state.json}:
 * <pre>
 * {"version": 1, "entries": [{"endpoint": "shop/web", "port": 8080, "protocol": "tcp", "family": "IPv4",
 *   "nodePort": 61003, "source": "file", "ip": "10.0.0.1", "pinned": false}]}
 * </pre>
 * An entry with its own idle timeout also has {@code "idleTimeout": "5s"}, one with a port policy
 * {@code "policy": {"allowFrom": [...], "maxConnections": 100, ...}}; each field is left out otherwise, so files
 * written before it existed, and files without one, read the same in either version.
 * Writes are atomic and durable: a temp file in the same directory, fsync, an atomic rename, then an fsync of the
 * directory, so a crash leaves either the old or the new file. A corrupt file never stops the daemon: it is set
 * aside as {@code state.json.corrupt-<epochmillis>} and loading starts from nothing. The directory is created 0700
 * and the file 0600; before the first load, temp files a crash left behind are removed and looser permissions on
 * either are taken back.
 *
 * <p>Not thread-safe: the reconciler calls it under its lock.
 */
public final class StateStore {

    public static final String FILE_NAME = "state.json";
    static final int VERSION = 1;
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    private final Path stateDir;
    private final Path file;
    private final Clock clock;
    /** True once {@link #tidy} ran. */
    private boolean tidied;
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public StateStore(Path stateDir) {
        this(stateDir, Clock.systemUTC());
    }

    /** {@code clock} names the files that corrupt state is set aside in. */
    public StateStore(Path stateDir, Clock clock) {
        this.stateDir = requireNonNull(stateDir, "stateDir");
        this.file = stateDir.resolve(FILE_NAME);
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * The state directory: the first entry of {@code $STATE_DIRECTORY} (set by systemd's {@code StateDirectory=})
     * when set, else {@code ~/.local/state/portlocal}.
     */
    public static Path defaultStateDir() {
        return defaultStateDir(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultStateDir(Map<String, String> env, String userHome) {
        String fromSystemd = env.get("STATE_DIRECTORY");
        if (fromSystemd != null && !fromSystemd.isBlank()) {
            String first = fromSystemd.split(":", -1)[0].trim();
            if (!first.isEmpty()) {
                return Path.of(first);
            }
        }
        return Path.of(userHome, ".local", "state", "portlocal");
    }

    public Path file() {
        return file;
    }

    /**
     * Loads the saved assignments, in file order. A missing file yields nothing. A corrupt file (bad JSON, wrong
     * shape, invalid values, unknown version) is logged, set aside and yields nothing; this never throws for it.
     */
    public Map<MappingKey, StateEntry> load() {
        tidy();
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            log.atWarn().setMessage("state_file_unreadable")
                    .addKeyValue("file", file)
                    .addKeyValue("error", e.toString())
                    .log();
            return Map.of();
        }
        try {
            return decode(content);
        } catch (JacksonException | IllegalArgumentException e) {
            String reason = e instanceof JacksonException jackson ? jackson.getOriginalMessage() : e.getMessage();
            setAside(String.valueOf(reason).lines().findFirst().orElse(""));
            return Map.of();
        } catch (IOException e) {
            setAside(e.toString());
            return Map.of();
        }
    }

    /**
     * Replaces the saved assignments with {@code entries}, atomically and durably. Creates the state directory if
     * it is missing.
     */
    public void save(Collection<StateEntry> entries) throws IOException {
        List<StateEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((StateEntry e) -> e.key().endpoint())
                .thenComparingInt(e -> e.key().port())
                .thenComparing(e -> e.key().protocol())
                .thenComparing(e -> e.key().family()));
        List<EntryDto> dtos = new ArrayList<>(sorted.size());
        for (StateEntry entry : sorted) {
            MappingKey key = entry.key();
            dtos.add(new EntryDto(key.endpoint(), key.port(), key.protocol().wireName(), key.family().name(),
                    entry.nodePort(), entry.source().wireName(), Addresses.format(entry.ip()), entry.pinned(),
                    entry.idleTimeout().map(Durations::format).orElse(null),
                    entry.healthCheck().map(HealthCheckDto::of).orElse(null),
                    entry.proxyProtocol().map(ProxyProtocol::wireName).orElse(null),
                    PolicyDto.of(entry.policy())));
        }
        byte[] content = mapper.writeValueAsBytes(new StateFileDto(VERSION, dtos));

        createDirectory();
        Path temp = createTemp();
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDirectory();
    }

    /**
     * Once, before the first load: removes the temp files a crash between a write and its rename left behind
     * ({@code state.json.*.tmp}, logged with their count), and takes group and other permissions off the directory
     * (0700) and the state file (0600), which hold every endpoint's address.
     */
    private void tidy() {
        if (tidied) {
            return;
        }
        tidied = true;
        if (!Files.isDirectory(stateDir)) {
            return;
        }
        int removed = 0;
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(stateDir, FILE_NAME + ".*.tmp")) {
            for (Path temp : stale) {
                if (Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(temp)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            log.atWarn().setMessage("state_temp_files_not_removed")
                    .addKeyValue("dir", stateDir)
                    .addKeyValue("error", e.toString())
                    .log();
        }
        if (removed > 0) {
            log.atInfo().setMessage("state_temp_files_removed")
                    .addKeyValue("dir", stateDir)
                    .addKeyValue("count", removed)
                    .log();
        }
        restrict(stateDir, DIR_MODE);
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            restrict(file, FILE_MODE);
        }
    }

    /** Sets {@code mode} on {@code path} if it allows more; logged either way. No-op without POSIX permissions. */
    private static void restrict(Path path, Set<PosixFilePermission> mode) {
        try {
            Set<PosixFilePermission> current = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (mode.containsAll(current)) {
                return;
            }
            Files.setPosixFilePermissions(path, mode);
            log.atWarn().setMessage("state_permissions_tightened")
                    .addKeyValue("path", path)
                    .addKeyValue("from", PosixFilePermissions.toString(current))
                    .addKeyValue("to", PosixFilePermissions.toString(mode))
                    .log();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            log.atWarn().setMessage("state_permissions_not_tightened")
                    .addKeyValue("path", path)
                    .addKeyValue("error", e.toString())
                    .log();
        }
    }

    /** The state directory, created 0700 (with its missing parents) if it does not exist. */
    private void createDirectory() throws IOException {
        if (Files.isDirectory(stateDir)) {
            return;
        }
        try {
            Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(stateDir);
        }
    }

    /** A new temp file for the next version, 0600 from the start. */
    private Path createTemp() throws IOException {
        try {
            return Files.createTempFile(stateDir, FILE_NAME + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(FILE_MODE));
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(stateDir, FILE_NAME + ".", ".tmp");
        }
    }

    /** Makes the rename durable. Not every platform can open a directory for this; there it is skipped. */
    private void syncDirectory() {
        try (FileChannel directory = FileChannel.open(stateDir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.atDebug().setMessage("state_dir_fsync_skipped")
                    .addKeyValue("dir", stateDir)
                    .addKeyValue("error", e.toString())
                    .log();
        }
    }

    private Map<MappingKey, StateEntry> decode(byte[] content) throws IOException {
        StateFileDto dto = mapper.readValue(content, StateFileDto.class);
        if (dto == null) {
            throw new IllegalArgumentException("empty file (expected: a JSON object with version and entries)");
        }
        if (dto.version() == null || dto.version() != VERSION) {
            throw new IllegalArgumentException("version: " + dto.version() + " (expected: " + VERSION + ")");
        }
        if (dto.entries() == null) {
            throw new IllegalArgumentException("entries: missing (expected: a list)");
        }
        Map<MappingKey, StateEntry> entries = new LinkedHashMap<>();
        for (int i = 0; i < dto.entries().size(); i++) {
            EntryDto e = dto.entries().get(i);
            if (e == null) {
                throw new IllegalArgumentException("entries[" + i + "]: null (expected: an entry)");
            }
            try {
                StateEntry entry = e.toEntry();
                if (entries.putIfAbsent(entry.key(), entry) != null) {
                    throw new IllegalArgumentException("key: " + entry.key() + " (expected: listed once)");
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("entries[" + i + "]: " + ex.getMessage(), ex);
            }
        }
        return Collections.unmodifiableMap(entries);
    }

    private void setAside(String reason) {
        Path corrupt = stateDir.resolve(FILE_NAME + ".corrupt-" + clock.millis());
        for (int n = 1; Files.exists(corrupt); n++) {
            corrupt = stateDir.resolve(FILE_NAME + ".corrupt-" + clock.millis() + "-" + n);
        }
        try {
            try {
                Files.move(file, corrupt, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, corrupt);
            }
            log.atWarn().setMessage("state_file_corrupt")
                    .addKeyValue("file", file)
                    .addKeyValue("movedTo", corrupt)
                    .addKeyValue("reason", reason)
                    .log();
        } catch (IOException e) {
            log.atWarn().setMessage("state_file_corrupt_not_moved")
                    .addKeyValue("file", file)
                    .addKeyValue("reason", reason)
                    .addKeyValue("error", e.toString())
                    .log();
        }
    }

    record StateFileDto(Integer version, List<EntryDto> entries) {
    }

    /** A health check as {@code {"interval": "2s", "timeout": "1s", "rise": 2, "fall": 2}}. */
    record HealthCheckDto(String interval, String timeout, Integer rise, Integer fall) {
        static HealthCheckDto of(HealthCheck check) {
            return new HealthCheckDto(Durations.format(check.interval()), Durations.format(check.timeout()),
                    check.rise(), check.fall());
        }

        HealthCheck toCheck() {
            EntryDto.present(interval, "healthCheck.interval");
            EntryDto.present(timeout, "healthCheck.timeout");
            EntryDto.present(rise, "healthCheck.rise");
            EntryDto.present(fall, "healthCheck.fall");
            return new HealthCheck(Durations.parse("healthCheck.interval", interval),
                    Durations.parse("healthCheck.timeout", timeout), rise, fall);
        }
    }

    /**
     * A port's policy as {@code {"allowFrom": ["10.0.0.0/8"], "maxConnections": 100, "connectTimeout": "2s",
     * "accessLog": true}}, each field left out when absent; the whole object is left out for {@link PortPolicy#NONE}.
     */
    record PolicyDto(@JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> allowFrom,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxConnections,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String connectTimeout,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Boolean accessLog) {
        static PolicyDto of(PortPolicy policy) {
            if (policy.isEmpty()) {
                return null;
            }
            List<String> blocks = new ArrayList<>();
            policy.allowFrom().forEach(c -> blocks.add(c.toString()));
            return new PolicyDto(blocks,
                    policy.maxConnections().isPresent() ? policy.maxConnections().getAsInt() : null,
                    policy.connectTimeout().map(Durations::format).orElse(null), policy.accessLog().orElse(null));
        }

        PortPolicy toPolicy() {
            List<Cidr> blocks = new ArrayList<>();
            if (allowFrom != null) {
                for (int i = 0; i < allowFrom.size(); i++) {
                    blocks.add(Cidr.parse("policy.allowFrom[" + i + "]", allowFrom.get(i)));
                }
            }
            return new PortPolicy(blocks,
                    maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections),
                    connectTimeout == null ? Optional.empty()
                            : Optional.of(Durations.parse("policy.connectTimeout", connectTimeout)),
                    Optional.ofNullable(accessLog));
        }
    }

    record EntryDto(String endpoint, Integer port, String protocol, String family, Integer nodePort, String source,
                    String ip, Boolean pinned, @JsonInclude(JsonInclude.Include.NON_NULL) String idleTimeout,
                    @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckDto healthCheck,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String proxyProtocol,
                    @JsonInclude(JsonInclude.Include.NON_NULL) PolicyDto policy) {

        /** @throws IllegalArgumentException naming the invalid field and its value */
        StateEntry toEntry() {
            present(endpoint, "endpoint");
            present(port, "port");
            present(family, "family");
            present(nodePort, "nodePort");
            present(ip, "ip");
            IpFamily ipFamily;
            try {
                ipFamily = IpFamily.valueOf(family);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("family: " + family + " (expected: IPv4 or IPv6)", e);
            }
            MappingKey key = new MappingKey(Endpoint.checkName(endpoint), port,
                    Protocol.parse(protocol), ipFamily);
            InetAddress address = Addresses.parseIp("ip", ip);
            Optional<Duration> idle = idleTimeout == null ? Optional.empty()
                    : Optional.of(Durations.parse("idleTimeout", idleTimeout));
            Optional<HealthCheck> check = healthCheck == null ? Optional.empty() : Optional.of(healthCheck.toCheck());
            Optional<ProxyProtocol> proxy = proxyProtocol == null ? Optional.empty()
                    : Optional.of(ProxyProtocol.parse("proxyProtocol", proxyProtocol));
            return new StateEntry(key, Source.parse(source), address, nodePort, Boolean.TRUE.equals(pinned), idle,
                    check, proxy, policy == null ? PortPolicy.NONE : policy.toPolicy());
        }

        static void present(Object value, String field) {
            if (value == null) {
                throw new IllegalArgumentException(field + ": missing");
            }
        }
    }
}
