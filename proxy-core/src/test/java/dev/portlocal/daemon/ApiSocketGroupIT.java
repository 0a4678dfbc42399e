package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.cli.ExitCodes;
import dev.portlocal.cli.Main;
import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --api-socket-group}: the daemon gives its API unix socket to the group after the bind, mode 0660 kept, so
 * the group's members may change mappings; an unknown group is refused at start, exit 2, naming the option.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiSocketGroupIT {

    private static final String NO_SUCH_GROUP = "portlocal-no-such-group";

    @TempDir
    Path dir;

    @Test
    void theSocketBelongsToTheGroupWithMode0660() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        // As root, a throwaway group (removed after); else the user's own group, which it may always give.
        String group = root ? "pltest" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000)
                : ((GroupPrincipal) Files.getAttribute(Files.createFile(dir.resolve("probe")), "posix:group"))
                        .getName();
        if (root) {
            exec("groupadd", group);
        }
        Path socket = dir.resolve("api.sock");
        int start = 61000 + ThreadLocalRandom.current().nextInt(0, 980);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Daemon daemon = new Daemon(DaemonConfig.builder()
                .portRange(new PortRange(start, start + 9))
                .listenAddresses(List.of(loopback))
                .stateDir(dir.resolve("state"))
                .threads(1)
                .drainTimeout(Duration.ofSeconds(1))
                .api(new ApiAddress.Tcp(new InetSocketAddress(loopback, 0)))
                .apiSocket(socket)
                .apiSocketGroup(group)
                .build());
        try {
            daemon.start();
            GroupPrincipal owner = (GroupPrincipal) Files.getAttribute(socket, "posix:group",
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals(group, owner.getName());
            assertEquals(PosixFilePermissions.fromString("rw-rw----"),
                    Files.getAttribute(socket, "posix:permissions", LinkOption.NOFOLLOW_LINKS));
            assertTrue(Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer m
                    && (m & 0777) == 0660, "mode 0660");
        } finally {
            daemon.stop();
            if (root) {
                exec("groupdel", group);
            }
        }
    }

    @Test
    void anUnknownGroupIsRefusedAtStartWithExitTwoNamingTheOption() throws Exception {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "run",
                "--api", "127.0.0.1:0", "--api-socket", dir.resolve("api.sock").toString(), "--api-socket-group",
                NO_SUCH_GROUP, "--state-dir", dir.resolve("state").toString(), "--listen-address", "127.0.0.1",
                "--threads", "1");
        assertEquals(ExitCodes.INVALID, code, err.toString());
        assertTrue(err.toString().startsWith("portlocal run: --api-socket-group: " + NO_SUCH_GROUP
                + " (expected: an existing group"), err.toString());
        assertTrue(Files.notExists(dir.resolve("api.sock")), "refused before binding anything");

        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "apiSocketGroup: " + NO_SUCH_GROUP + "\n");
        StringWriter checkErr = new StringWriter();
        int checked = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(checkErr, true),
                "check", "--config", config.toString());
        assertEquals(ExitCodes.INVALID, checked, checkErr.toString());
        assertTrue(checkErr.toString().contains("apiSocketGroup: " + NO_SUCH_GROUP + " (expected: an existing group"),
                checkErr.toString());
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }
}
