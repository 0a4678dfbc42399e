package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP API over HTTPS with certificates made by {@code openssl}: a client trusting the certificate is served, the
 * real CLI with {@code --api https://... --api-ca} too; after the files are replaced and SIGHUP, a new connection
 * sees the new certificate.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ApiTlsIT {

    @TempDir
    Path dir;

    private void selfSigned(String cn, Path cert, Path key) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
                "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }

    /** The subject of the certificate the API presents now, trusting {@code trusted}. */
    private static String presented(int port, Path... trusted) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            try (InputStream in = Files.newInputStream(trusted[i])) {
                Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
                store.setCertificateEntry("c" + i, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void httpsWithTheCertificateAndANewOneAfterSighup() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path oldCert = dir.resolve("old.pem");
        selfSigned("portlocal-a", cert, key);
        Files.copy(cert, oldCert);
        int port = FreePorts.next();
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"), "run", "--listen-address",
                "127.0.0.1", "--state-dir", dir.resolve("state").toString(), "--threads", "1", "--api",
                "127.0.0.1:" + port, "--api-tls-cert", cert.toString(), "--api-tls-key", key.toString())) {
            d.awaitOutput("event=started", CanaryDaemon.WAIT);
            assertTrue(d.output().contains("address=https://127.0.0.1:" + port), d.output());
            ApiClient https = new ApiClient(ApiAddress.parse("https://127.0.0.1:" + port), Optional.empty(),
                    Duration.ofSeconds(10), Optional.of(cert));
            assertEquals(200, https.get("/healthz").status());
            assertEquals(403, https.put("/v1/endpoints/web", "{}".getBytes(StandardCharsets.UTF_8)).status(),
                    "TLS is no credential: still read-only without a token");
            assertEquals("CN=portlocal-a", presented(port, cert));
            ApiClient untrusted = new ApiClient(ApiAddress.parse("https://127.0.0.1:" + port), Optional.empty(),
                    Duration.ofSeconds(10));
            assertThrows(IOException.class, () -> untrusted.get("/healthz"), "not in the JDK's trust store");

            Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", DaemonProcess.jar().toString(), "mappings", "--api", "https://127.0.0.1:" + port,
                    "--api-ca", cert.toString()).redirectErrorStream(true).start();
            String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(cli.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, cli.exitValue(), out);

            selfSigned("portlocal-b", cert, key);
            d.signal("HUP");
            d.awaitOutput("event=api_tls_reloaded", CanaryDaemon.WAIT);
            assertEquals("CN=portlocal-b", presented(port, cert, oldCert), "a new connection gets the new one");
            assertEquals(200, new ApiClient(ApiAddress.parse("https://127.0.0.1:" + port), Optional.empty(),
                    Duration.ofSeconds(10), Optional.of(cert)).get("/healthz").status());

            Files.writeString(key, "not a key");
            d.signal("HUP");
            d.awaitOutput("event=api_tls_reload_failed action=keep_serving_old_certificate", CanaryDaemon.WAIT);
            assertEquals("CN=portlocal-b", presented(port, cert, oldCert), "a bad pair keeps the last good one");
            assertEquals(0, d.terminate(CanaryDaemon.WAIT), d.output());
        }
    }
}
