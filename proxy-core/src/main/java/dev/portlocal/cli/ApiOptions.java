package dev.portlocal.cli;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.api.BearerToken;
import dev.portlocal.model.Durations;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How a client command reaches the API: {@code --api}, {@code --api-token-file}, {@code --timeout}. */
final class ApiOptions {

    @Option(names = "--api", paramLabel = "ADDR:PORT|https://ADDR:PORT|unix:PATH",
            defaultValue = "${env:PORTLOCAL_API}",
            description = "The daemon's API (default: $PORTLOCAL_API, else unix:" + ApiAddress.DEFAULT_SOCKET
                    + " if it exists, else " + ApiAddress.DEFAULT + ").")
    String api;

    @Option(names = "--api-token-file", paramLabel = "FILE", defaultValue = "${env:PORTLOCAL_API_TOKEN_FILE}",
            description = "Send the token in FILE as Authorization: Bearer (default: $PORTLOCAL_API_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--api-ca", paramLabel = "FILE", defaultValue = "${env:PORTLOCAL_API_CA}",
            description = "Trust the PEM certificates in FILE for an https:// API (default: $PORTLOCAL_API_CA, "
                    + "else the JDK's trust store).")
    Path caFile;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Connect and read timeout (default: ${DEFAULT-VALUE}).")
    String timeout;

    /**
     * A client for these options.
     *
     * @throws IllegalArgumentException naming the option if the address, token file or timeout is invalid
     */
    ApiClient client() {
        ApiAddress address = api != null && !api.isBlank() ? ApiAddress.parse(api) : defaultAddress();
        Optional<String> token = tokenFile == null ? Optional.empty()
                : Optional.of(BearerToken.readText(tokenFile));
        Duration d = Durations.parse("timeout", timeout);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        return new ApiClient(address, token, d, Optional.ofNullable(caFile));
    }

    /**
     * The daemon's unix socket where systemd makes it, since changes need no token there; else the TCP default,
     * where changes need {@code --api-token-file}.
     */
    static ApiAddress defaultAddress() {
        Path socket = Path.of(ApiAddress.DEFAULT_SOCKET);
        return Files.exists(socket) ? new ApiAddress.Unix(socket) : ApiAddress.parse(ApiAddress.DEFAULT);
    }
}
