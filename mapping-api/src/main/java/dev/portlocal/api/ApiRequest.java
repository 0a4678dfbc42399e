package dev.portlocal.api;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP request, copied out of Netty's buffers so the routes can run on the control executor. {@code local}
 * is true when the peer is on this host: a loopback address or a unix socket.
 */
public record ApiRequest(String method, String uri, Optional<String> contentType, Optional<String> authorization,
                         byte[] body, boolean local) {

    public ApiRequest {
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(contentType, "contentType");
        requireNonNull(authorization, "authorization");
        requireNonNull(body, "body");
    }

    /** A request without a body, content type or token. */
    public static ApiRequest of(String method, String uri, boolean local) {
        return new ApiRequest(method, uri, Optional.empty(), Optional.empty(), new byte[0], local);
    }

    public ApiRequest withBody(String type, byte[] content) {
        return new ApiRequest(method, uri, Optional.ofNullable(type), authorization, content, local);
    }

    public ApiRequest withAuthorization(String value) {
        return new ApiRequest(method, uri, contentType, Optional.ofNullable(value), body, local);
    }

    @Override
    public String toString() {
        return method + " " + uri + " (" + body.length + " bytes" + (local ? ", local" : "") + ")";
    }
}
