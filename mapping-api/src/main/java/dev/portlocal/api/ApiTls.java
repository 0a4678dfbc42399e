package dev.portlocal.api;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * TLS for the TCP API: a PEM certificate chain and a PEM (PKCS#8) private key, read at start and again on
 * {@link #reload()} (SIGHUP). A reload that fails keeps the previous certificate; connections open keep theirs, new
 * ones get the new one.
 *
 * <p>Thread-safe: {@link #context()} is read by the API's event loop, {@link #reload()} runs on the control thread.
 */
public final class ApiTls {

    private static final Logger log = LoggerFactory.getLogger(ApiTls.class);

    private final Path certificate;
    private final Path key;
    private final AtomicReference<SslContext> context = new AtomicReference<>();

    private ApiTls(Path certificate, Path key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Reads {@code certificate} and {@code key}.
     *
     * @throws IllegalArgumentException naming the files if they cannot be read or do not fit together
     */
    public static ApiTls load(Path certificate, Path key) {
        ApiTls tls = new ApiTls(requireNonNull(certificate, "certificate"), requireNonNull(key, "key"));
        tls.context.set(tls.read());
        return tls;
    }

    /** Re-reads the files; returns false (and keeps the old certificate) if they are unreadable or invalid. */
    public boolean reload() {
        try {
            context.set(read());
            log.atInfo().setMessage("api_tls_reloaded").addKeyValue("certificate", certificate).log();
            return true;
        } catch (IllegalArgumentException e) {
            log.atError().setMessage("api_tls_reload_failed")
                    .addKeyValue("action", "keep_serving_old_certificate")
                    .addKeyValue("error", e.getMessage())
                    .log();
            return false;
        }
    }

    SslContext context() {
        return context.get();
    }

    private SslContext read() {
        try {
            return SslContextBuilder.forServer(certificate.toFile(), key.toFile()).build();
        } catch (Exception e) {
            throw new IllegalArgumentException("apiTlsCert: " + certificate + ", apiTlsKey: " + key
                    + " (expected: a PEM certificate and its PEM PKCS#8 key: " + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "ApiTls[" + certificate + "]";
    }
}
