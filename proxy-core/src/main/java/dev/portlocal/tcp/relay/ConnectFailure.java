package dev.portlocal.tcp.relay;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.Locale;

/** Why a connection to an endpoint failed; a label of {@code portlocal_connect_errors_total}. */
public enum ConnectFailure {
    /** The endpoint answered with an RST (ECONNREFUSED). */
    REFUSED("refused"),
    /** No answer within the connect timeout. */
    TIMEOUT("timeout"),
    /** No route: EHOSTUNREACH, ENETUNREACH. */
    UNREACHABLE("unreachable"),
    /** Anything else: a socket that could not be created, an unexpected errno. */
    OTHER("other");

    private static final int ECONNREFUSED = 111;
    private static final int ENETUNREACH = 101;
    private static final int EHOSTUNREACH = 113;

    private final String label;

    ConnectFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Classifies a failed connect, from Netty's native errno or the JDK's exception type. */
    public static ConnectFailure of(Throwable failure) {
        if (failure instanceof ConnectTimeoutException) {
            return TIMEOUT;
        }
        if (failure instanceof Errors.NativeIoException nativeIo) {
            switch (-nativeIo.expectedErr()) {
                case ECONNREFUSED:
                    return REFUSED;
                case ENETUNREACH:
                case EHOSTUNREACH:
                    return UNREACHABLE;
                default:
                    return OTHER;
            }
        }
        if (failure instanceof NoRouteToHostException) {
            return UNREACHABLE;
        }
        if (failure instanceof ConnectException) {
            // Netty's errno-carrying ConnectException is package-private; its message ends with strerror's text.
            String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("refused")) {
                return REFUSED;
            }
            if (message.contains("unreachable") || message.contains("no route")) {
                return UNREACHABLE;
            }
        }
        return OTHER;
    }
}
