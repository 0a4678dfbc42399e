package dev.portlocal.cli;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.SocketException;

/**
 * Runs one client command against the API, turning every failure into a short message on stderr and an exit code:
 * an unreachable API, a refused token, the API's validation errors.
 */
final class ApiCall {

    /** The body of a client command: calls the API and prints; returns the exit code. */
    @FunctionalInterface
    interface Body {
        int run(ApiClient client, PrintWriter out) throws IOException;
    }

    private ApiCall() {
    }

    static int run(CommandSpec spec, ApiOptions options, Body body) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String prefix = "portlocal " + spec.qualifiedName(" ").replaceFirst("^portlocal ", "") + ": ";
        ApiClient client;
        try {
            client = options.client();
        } catch (IllegalArgumentException e) {
            err.println(prefix + e.getMessage());
            return ExitCodes.INVALID;
        }
        try {
            return body.run(client, out);
        } catch (Refused e) {
            return report(err, prefix, client, e.response);
        } catch (ConnectException e) {
            err.println(prefix + "cannot reach the API at " + client.address() + " (" + reason(e) + "). Is "
                    + "'portlocal run' running there? Point --api or $PORTLOCAL_API at its address.");
            return ExitCodes.FAILURE;
        } catch (SocketException e) {
            err.println(prefix + "lost the connection to the API at " + client.address() + " (" + reason(e) + ").");
            return ExitCodes.FAILURE;
        } catch (IOException e) {
            err.println(prefix + "bad answer from the API at " + client.address() + " (" + reason(e) + ").");
            return ExitCodes.FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Throws (unchecked, caught by {@link #run}) unless {@code response} is a success. */
    static ApiClient.Response check(ApiClient.Response response) {
        if (response.status() < 200 || response.status() >= 300) {
            throw new Refused(response);
        }
        return response;
    }

    private static int report(PrintWriter err, String prefix, ApiClient client, ApiClient.Response response) {
        int status = response.status();
        String message = response.errorMessage();
        switch (status) {
            case 401:
                err.println(prefix + "the API at " + client.address() + " refused the token (401: " + message
                        + "). Pass the daemon's token with --api-token-file or $PORTLOCAL_API_TOKEN_FILE.");
                break;
            case 403:
                err.println(prefix + "the API at " + client.address() + " is read-only here (403: " + message
                        + "). Use the daemon's unix socket (--api unix:PATH, e.g. unix:"
                        + ApiAddress.DEFAULT_SOCKET + ") or its token (--api-token-file).");
                break;
            case 503:
                err.println(prefix + "the API is not available (503: " + message + "). Try again shortly.");
                break;
            default:
                err.println(prefix + message + (status >= 500 ? " (HTTP " + status + ")" : ""));
                break;
        }
        return ExitCodes.forStatus(status);
    }

    private static String reason(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** Carries an answer other than 2xx out of a {@link Body}, to report and exit with. */
    private static final class Refused extends RuntimeException {
        final transient ApiClient.Response response;

        Refused(ApiClient.Response response) {
            super(response.errorMessage(), null, false, false);
            this.response = response;
        }
    }
}
