package dev.portlocal.api;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP request, copied out of Netty's buffers so the routes can run on the control executor. {@code local}
 * is true when the peer is on this host: a loopback address or a unix socket; {@code socket} when it came through
 * the unix socket, whose file mode is the credential for changes. {@code accept} and {@code acceptEncoding} are the
 * headers as sent, for what negotiates its answer ({@code GET /metrics}).
 */
public record ApiRequest(String method, String uri, Optional<String> contentType, Optional<String> authorization,
                         byte[] body, boolean local, Optional<String> accept, Optional<String> acceptEncoding,
                         boolean socket) {

    public ApiRequest {
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(contentType, "contentType");
        requireNonNull(authorization, "authorization");
        requireNonNull(body, "body");
        requireNonNull(accept, "accept");
        requireNonNull(acceptEncoding, "acceptEncoding");
    }

    /** A request over TCP. */
    public ApiRequest(String method, String uri, Optional<String> contentType, Optional<String> authorization,
                      byte[] body, boolean local, Optional<String> accept, Optional<String> acceptEncoding) {
        this(method, uri, contentType, authorization, body, local, accept, acceptEncoding, false);
    }

    /** A request over TCP without negotiation headers. */
    public ApiRequest(String method, String uri, Optional<String> contentType, Optional<String> authorization,
                      byte[] body, boolean local) {
        this(method, uri, contentType, authorization, body, local, Optional.empty(), Optional.empty());
    }

    /** A request without a body, content type or token. */
    public static ApiRequest of(String method, String uri, boolean local) {
        return new ApiRequest(method, uri, Optional.empty(), Optional.empty(), new byte[0], local);
    }

    public ApiRequest withBody(String type, byte[] content) {
        return new ApiRequest(method, uri, Optional.ofNullable(type), authorization, content, local, accept,
                acceptEncoding, socket);
    }

    public ApiRequest withAuthorization(String value) {
        return new ApiRequest(method, uri, contentType, Optional.ofNullable(value), body, local, accept,
                acceptEncoding, socket);
    }

    /** The same request with these {@code Accept} and {@code Accept-Encoding} headers (either may be null). */
    public ApiRequest withNegotiation(String acceptValue, String acceptEncodingValue) {
        return new ApiRequest(method, uri, contentType, authorization, body, local, Optional.ofNullable(acceptValue),
                Optional.ofNullable(acceptEncodingValue), socket);
    }

    /** The same request as if it came through the unix socket ({@code true}) or TCP. */
    public ApiRequest withSocket(boolean value) {
        return new ApiRequest(method, uri, contentType, authorization, body, value || local, accept, acceptEncoding,
                value);
    }

    @Override
    public String toString() {
        String peer = socket ? ", socket" : local ? ", local" : "";
        return method + " " + uri + " (" + body.length + " bytes" + peer + ")";
    }
}
