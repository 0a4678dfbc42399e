package dev.portlocal.api;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP request, copied out of Netty's buffers so the routes can run on the control executor. {@code local}
 * is true when the peer is on this host: a loopback address or a unix socket. {@code accept} and
 * {@code acceptEncoding} are the headers as sent, for what negotiates its answer ({@code GET /metrics}).
 */
public record ApiRequest(String method, String uri, Optional<String> contentType, Optional<String> authorization,
                         byte[] body, boolean local, Optional<String> accept, Optional<String> acceptEncoding) {

    public ApiRequest {
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(contentType, "contentType");
        requireNonNull(authorization, "authorization");
        requireNonNull(body, "body");
        requireNonNull(accept, "accept");
        requireNonNull(acceptEncoding, "acceptEncoding");
    }

    /** A request without negotiation headers. */
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
                acceptEncoding);
    }

    public ApiRequest withAuthorization(String value) {
        return new ApiRequest(method, uri, contentType, Optional.ofNullable(value), body, local, accept,
                acceptEncoding);
    }

    /** The same request with these {@code Accept} and {@code Accept-Encoding} headers (either may be null). */
    public ApiRequest withNegotiation(String acceptValue, String acceptEncodingValue) {
        return new ApiRequest(method, uri, contentType, authorization, body, local, Optional.ofNullable(acceptValue),
                Optional.ofNullable(acceptEncodingValue));
    }

    @Override
    public String toString() {
        return method + " " + uri + " (" + body.length + " bytes" + (local ? ", local" : "") + ")";
    }
}
