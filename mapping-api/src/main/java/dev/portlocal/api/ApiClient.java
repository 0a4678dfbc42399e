package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static java.util.Objects.requireNonNull;

/**
 * A minimal HTTP/1.1 client for the API, over TCP or a unix socket (which the JDK's HTTP client cannot reach):
 * one request per connection, {@code Connection: close}, the response read to the end (at most
 * {@value #MAX_RESPONSE_BYTES} bytes), its body by {@code Content-Length} or chunked. Used by the CLI and tests.
 *
 * <p>Immutable and thread-safe; each call opens its own connection.
 */
public final class ApiClient {

    /** A response: the status, the headers with lower-case names, and the body. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public Response {
            headers = Map.copyOf(requireNonNull(headers, "headers"));
            requireNonNull(body, "body");
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON; a non-JSON body is an {@link IOException}. */
        public JsonNode json() throws IOException {
            return ApiJson.mapper().readTree(body);
        }

        /** The {@code error} of an error body, else the body itself. */
        public String errorMessage() {
            try {
                JsonNode error = json().path("error");
                if (error.isTextual()) {
                    return error.asText();
                }
            } catch (IOException | RuntimeException e) {
                // not our JSON: fall through to the raw text
            }
            String text = text().strip();
            return text.isEmpty() ? "HTTP " + status : text;
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    /** The largest response read: 64 MiB (a scrape of many mappings stays far below). */
    static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    /** Ends unix-socket exchanges that outlive the timeout; one daemon thread for every client. */
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portlocal-api-client-timeout");
        t.setDaemon(true);
        return t;
    });

    private final ApiAddress address;
    private final Optional<String> token;
    private final Duration timeout;
    private final Optional<Path> caFile;

    public ApiClient(ApiAddress address, Optional<String> token, Duration timeout) {
        this(address, token, timeout, Optional.empty());
    }

    /**
     * With {@code caFile} (PEM certificates), an {@code https://} address is trusted only if its certificate chains to
     * one of them; without it, to the JDK's default trust store. The host is verified against the certificate's
     * names (an IP address needs it as a subjectAltName).
     */
    public ApiClient(ApiAddress address, Optional<String> token, Duration timeout, Optional<Path> caFile) {
        this.address = requireNonNull(address, "address");
        this.token = requireNonNull(token, "token");
        this.timeout = requireNonNull(timeout, "timeout");
        this.caFile = requireNonNull(caFile, "caFile");
    }

    public ApiAddress address() {
        return address;
    }

    public Response get(String path) throws IOException {
        return send("GET", path, null, new byte[0]);
    }

    public Response put(String path, byte[] json) throws IOException {
        return send("PUT", path, "application/json", json);
    }

    public Response delete(String path) throws IOException {
        return send("DELETE", path, null, new byte[0]);
    }

    /**
     * Sends one request. {@code contentType} may be null; a token, if this client has one, goes in
     * {@code Authorization: Bearer}.
     *
     * @throws ConnectException if the API cannot be reached (refused, timed out, no such socket)
     * @throws IOException      if the connection breaks or the answer is not HTTP
     */
    public Response send(String method, String path, String contentType, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: portlocal\r\n")
                .append("Connection: close\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        token.ifPresent(t -> head.append("Authorization: Bearer ").append(t).append("\r\n"));
        head.append("\r\n");
        byte[] request = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (address instanceof ApiAddress.Unix unix) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                // A unix socket has no read timeout: closing it from a timer ends a read that would block forever.
                ScheduledFuture<?> deadline = TIMER.schedule(() -> close(channel), timeout.toMillis(),
                        TimeUnit.MILLISECONDS);
                try {
                    connect(() -> channel.connect(UnixDomainSocketAddress.of(unix.path())));
                    return exchange(Channels.newOutputStream(channel), Channels.newInputStream(channel), request,
                            body);
                } catch (ClosedChannelException e) {
                    if (deadline.isDone() && !deadline.isCancelled()) {
                        throw new SocketTimeoutException("no answer from " + unix + " within " + timeout.toMillis()
                                + " ms");
                    }
                    throw e;
                } finally {
                    deadline.cancel(false);
                }
            }
        }
        ApiAddress.Tcp tcp = (ApiAddress.Tcp) address;
        try (Socket socket = new Socket()) {
            int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            connect(() -> socket.connect(tcp.address(), millis));
            socket.setSoTimeout(millis);
            if (!tcp.tls()) {
                return exchange(socket.getOutputStream(), socket.getInputStream(), request, body);
            }
            String host = tcp.address().getAddress().getHostAddress();
            try (SSLSocket tls = (SSLSocket) tlsContext().getSocketFactory().createSocket(socket, host,
                    tcp.address().getPort(), true)) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                return exchange(tls.getOutputStream(), tls.getInputStream(), request, body);
            }
        }
    }

    /** The TLS context: trusting the certificates of {@link #caFile}, else the JDK's defaults. */
    private SSLContext tlsContext() throws IOException {
        try {
            if (caFile.isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            try (InputStream in = Files.newInputStream(caFile.get())) {
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("ca-" + n++, certificate);
                }
            }
            if (n == 0) {
                throw new IOException("api-ca: " + caFile.get() + " (expected: PEM certificates)");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("api-ca: " + caFile.orElse(null) + " (" + e.getMessage() + ")", e);
        }
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing to end a read: nothing more to do
        }
    }

    /** An I/O step that may fail. */
    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    /** Runs the connect step; any failure there means the API is unreachable: a {@link ConnectException}. */
    private static void connect(Step step) throws ConnectException {
        try {
            step.run();
        } catch (ConnectException e) {
            throw e;
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            ConnectException unreachable = new ConnectException(message);
            unreachable.initCause(e);
            throw unreachable;
        }
    }

    private static Response exchange(OutputStream out, InputStream in, byte[] head, byte[] body) throws IOException {
        out.write(head);
        try {
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // The server may answer (e.g. 413) and stop reading before the body is sent: read what it said.
        }
        return parse(readBounded(in));
    }

    /** Reads to the end of the stream, at most {@link #MAX_RESPONSE_BYTES}; more is an {@link IOException}. */
    static byte[] readBounded(InputStream in) throws IOException {
        byte[] raw = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        if (raw.length > MAX_RESPONSE_BYTES) {
            throw new IOException("response larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
        return raw;
    }

    static Response parse(byte[] raw) throws IOException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IOException("not an HTTP response (" + raw.length + " bytes without a header end)");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + lines[0]);
        }
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP response: " + lines[0], e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        int start = end + 4;
        int length = raw.length - start;
        String declared = headers.get("content-length");
        if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            return new Response(code, headers, dechunk(raw, start));
        }
        if (declared != null) {
            try {
                length = Math.min(length, Integer.parseInt(declared));
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + declared, e);
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(Math.max(length, 0));
        body.write(raw, start, Math.max(length, 0));
        return new Response(code, headers, body.toByteArray());
    }

    /** Decodes a chunked body from {@code raw} at {@code start}; a chunk cut short is an {@link IOException}. */
    static byte[] dechunk(byte[] raw, int start) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = start;
        while (true) {
            int lineEnd = indexOf(raw, CRLF, at);
            if (lineEnd < 0) {
                throw new IOException("chunked body cut short (no chunk size line at byte " + at + ")");
            }
            String line = new String(raw, at, lineEnd - at, StandardCharsets.ISO_8859_1);
            int semicolon = line.indexOf(';');
            String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).strip();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + line, e);
            }
            if (size < 0 || size > raw.length) {
                throw new IOException("bad chunk size: " + line);
            }
            at = lineEnd + 2;
            if (size == 0) {
                return body.toByteArray();
            }
            if (at + size + 2 > raw.length) {
                throw new IOException("chunked body cut short (a chunk of " + size + " bytes at byte " + at + ")");
            }
            body.write(raw, at, size);
            at += size + 2;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** {@code /v1/endpoints/<name>}, each segment of the name percent-encoded. */
    public static String endpointPath(String name) {
        StringBuilder path = new StringBuilder("/v1/endpoints");
        for (String segment : name.split("/", -1)) {
            path.append('/').append(encodeSegment(segment));
        }
        return path.toString();
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    public static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
