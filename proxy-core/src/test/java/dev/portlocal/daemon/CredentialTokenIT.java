package dev.portlocal.daemon;

import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * systemd's {@code LoadCredential=api-token:FILE}: the real daemon, given {@code $CREDENTIALS_DIRECTORY} holding
 * {@code api-token} and no {@code --api-token-file}, requires that token on every change.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialTokenIT {

    @TempDir
    Path dir;

    @Test
    void theCredentialIsTheApiToken() throws Exception {
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        Files.writeString(credentials.resolve("api-token"), "s3cret-token-from-systemd\n");
        int apiPort = FreePorts.next();
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                Map.of("CREDENTIALS_DIRECTORY", credentials.toString()),
                "run", "--port-range", InProcessDaemons.range(5).toString(), "--listen-address", "127.0.0.1",
                "--state-dir", dir.resolve("state").toString(), "--api", "127.0.0.1:" + apiPort)) {
            d.awaitOutput("event=started", Duration.ofSeconds(30));
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":9}]}";
            URI uri = URI.create("http://127.0.0.1:" + apiPort + "/v1/endpoints/web");
            HttpResponse<String> without = http.send(HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, without.statusCode(), without.body());
            HttpResponse<String> with = http.send(HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer s3cret-token-from-systemd")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, with.statusCode(), with.body());
        }
    }
}
