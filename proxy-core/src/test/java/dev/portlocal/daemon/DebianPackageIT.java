package dev.portlocal.daemon;

import dev.portlocal.cli.ExitCodes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian package the build makes ({@code target/portlocal.deb}): its files, its unit (accepted by
 * {@code systemd-analyze verify}), and its defaults (accepted by {@code portlocal check}), all in a temporary root.
 * On CI ({@code CI=true}, as root, with no portlocal package installed) it is also installed and purged for real,
 * and every file must appear and then disappear; a developer's machine is never touched.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DebianPackageIT {

    private static final List<String> FILES = List.of(
            "usr/share/portlocal/portlocal.jar",
            "usr/share/portlocal/jvm.options",
            "usr/bin/portlocal",
            "lib/systemd/system/portlocal.service",
            "usr/lib/sysctl.d/60-portlocal.conf",
            "etc/portlocal/config.yaml",
            "usr/share/portlocal/endpoints.yaml",
            "usr/share/doc/portlocal/examples/endpoints.yaml",
            "usr/share/doc/portlocal/operations.md",
            "usr/share/doc/portlocal/cli.md",
            "usr/share/doc/portlocal/copyright",
            "usr/share/doc/portlocal/changelog.gz",
            "usr/share/man/man1/portlocal.1",
            "usr/share/man/man1/portlocal-run.1",
            "usr/share/man/man1/portlocal-endpoints-put.1",
            "usr/share/bash-completion/completions/portlocal",
            "usr/share/zsh/vendor-completions/_portlocal");

    @TempDir
    Path dir;

    private static Path deb() {
        Path deb = Path.of("target", "portlocal.deb").toAbsolutePath();
        assertTrue(Files.exists(deb), "no " + deb + ": the package phase makes it");
        return deb;
    }

    private static boolean onCi() {
        return "true".equals(System.getenv("CI"));
    }

    private static boolean has(String command) {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(p, command))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command; returns its exit code and output (stdout and stderr together). */
    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private record Result(int code, String output) {
        Result ok(String what) {
            assertEquals(0, code, what + ":\n" + output);
            return this;
        }
    }

    private Path extract() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        run("dpkg-deb", "-x", deb().toString(), root.toString()).ok("dpkg-deb -x");
        return root;
    }

    @Test
    void thePackageHoldsTheJarTheWrapperTheUnitTheSysctlSnippetAndTheDefaults() throws Exception {
        Assumptions.assumeTrue(has("dpkg-deb") || onCi(), "dpkg-deb is not installed");
        Path root = extract();
        for (String f : FILES) {
            assertTrue(Files.isRegularFile(root.resolve(f)), f);
        }
        assertTrue(Files.isExecutable(root.resolve("usr/bin/portlocal")));
        assertEquals(Files.readString(Path.of("..", "systemd", "jvm.options")),
                Files.readString(root.resolve("usr/share/portlocal/jvm.options")), "the JVM options of the image too");
        assertTrue(Files.readString(root.resolve("usr/bin/portlocal")).contains("/usr/share/portlocal/jvm.options"),
                "the wrapper runs java @jvm.options");
        Path control = dir.resolve("control");
        run("dpkg-deb", "-e", deb().toString(), control.toString()).ok("dpkg-deb -e");
        List<String> conffiles = Files.readAllLines(control.resolve("conffiles"));
        // The mapping file is not a conffile: automation rewrites it, and an upgrade must not prompt about it.
        assertEquals(List.of("/etc/portlocal/config.yaml"), conffiles);
        assertTrue(Files.readString(control.resolve("postinst")).contains(
                "install -m 644 /usr/share/portlocal/endpoints.yaml /etc/portlocal/endpoints.yaml"));
        String postinst = Files.readString(control.resolve("postinst"));
        assertTrue(postinst.contains("addgroup --system portlocal") && postinst.contains("groupadd --system portlocal"),
                "postinst creates the API socket's group");
        String fields = Files.readString(control.resolve("control"));
        assertTrue(fields.contains("Package: portlocal\n") && fields.contains("Depends: default-jre-headless"),
                fields);
        String sysctl = Files.readString(root.resolve("usr/lib/sysctl.d/60-portlocal.conf"));
        assertTrue(sysctl.contains("fs.pipe-user-pages-soft = "), sysctl);
        String unit = Files.readString(root.resolve("lib/systemd/system/portlocal.service"));
        for (String line : List.of("Type=notify", "Restart=on-failure",
                "WatchdogSec=", "StateDirectory=portlocal", "ConfigurationDirectory=portlocal", "LimitNOFILE=",
                "DynamicUser=yes", "SupplementaryGroups=portlocal\n", "--api-socket-group portlocal\n",
                "RuntimeDirectoryMode=0755\n", "NoNewPrivileges=yes", "ProtectSystem=strict",
                "CapabilityBoundingSet=\n",
                "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
                "ExecReload=/usr/bin/portlocal check --config /etc/portlocal/config.yaml\n"
                        + "ExecReload=/bin/kill -HUP $MAINPID\n")) {
            assertTrue(unit.contains(line), "the unit has " + line);
        }
        // A bad config exits 2 (ExitCodes.INVALID): restarting cannot fix it, so systemd must not loop on it. systemd
        // applies RestartPreventExitStatus= to the main process only, never to a failed ExecStartPre=, so the config
        // is checked by run itself at start (check refuses exactly what run refuses), not by an ExecStartPre=.
        assertTrue(unit.lines().anyMatch(l -> l.equals("RestartPreventExitStatus=" + ExitCodes.INVALID)), unit);
        assertFalse(unit.lines().anyMatch(l -> l.startsWith("ExecStartPre=")), unit);
        assertFalse(unit.lines().anyMatch(l -> l.startsWith("MemoryDenyWriteExecute=")),
                "MemoryDenyWriteExecute breaks the JIT");
    }

    @Test
    void theDocsManPagesAndCompletionsAreShippedAndWhole() throws Exception {
        Assumptions.assumeTrue(has("dpkg-deb") || onCi(), "dpkg-deb is not installed");
        Path root = extract();
        Path docs = root.resolve("usr/share/doc/portlocal");
        // Every relative link of a shipped doc resolves inside the package.
        java.util.regex.Pattern link = java.util.regex.Pattern.compile(
                "\\]\\(([A-Za-z0-9_.-]+\\.md)(#[^)]*)?\\)");
        try (var files = Files.list(docs)) {
            for (Path md : files.filter(p -> p.toString().endsWith(".md")).toList()) {
                java.util.regex.Matcher m = link.matcher(Files.readString(md));
                while (m.find()) {
                    assertTrue(Files.isRegularFile(docs.resolve(m.group(1))), md.getFileName() + " links to "
                            + m.group(1) + ", which the package does not ship");
                }
            }
        }
        // One man page per command, rendered by man without a warning.
        Path man = root.resolve("usr/share/man/man1");
        try (var pages = Files.list(man)) {
            List<Path> all = pages.toList();
            assertTrue(all.size() >= 10, all.toString());
            if (has("man")) {
                for (Path page : all) {
                    Result r = run("man", "--warnings", "-l", "-P", "cat", page.toString()).ok("man " + page);
                    assertFalse(r.output().contains(": warning"), page + ": " + r.output());
                }
            }
        }
        String bash = Files.readString(root.resolve("usr/share/bash-completion/completions/portlocal"));
        assertTrue(bash.startsWith("#!/usr/bin/env bash") && bash.contains("endpoints"), bash);
        assertTrue(Files.readString(root.resolve("usr/share/zsh/vendor-completions/_portlocal"))
                .contains("bashcompinit"));
        assertTrue(Files.readString(docs.resolve("copyright")).startsWith("Format: https://www.debian.org/doc/"));
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Assumptions.assumeTrue(has("systemd-analyze") || onCi(), "systemd-analyze is not installed");
        Path root = extract();
        // verify checks that ExecStart= exists: point the copy at the extracted wrapper.
        String unit = Files.readString(root.resolve("lib/systemd/system/portlocal.service"))
                .replace("/usr/bin/portlocal", root.resolve("usr/bin/portlocal").toString());
        Path copy = dir.resolve("portlocal.service");
        Files.writeString(copy, unit);
        Result r = run("systemd-analyze", "verify", copy.toString()).ok("systemd-analyze verify");
        assertFalse(r.output().contains("portlocal.service"), r.output());
    }

    @Test
    void theDefaultConfigurationPassesTheUnitsOwnCheck() throws Exception {
        Assumptions.assumeTrue(has("dpkg-deb") || onCi(), "dpkg-deb is not installed");
        Path root = extract();
        // As postinst does: the default mapping file where there is none.
        Files.copy(root.resolve("usr/share/portlocal/endpoints.yaml"), root.resolve("etc/portlocal/endpoints.yaml"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, Files.readString(root.resolve("etc/portlocal/config.yaml"))
                .replace("/etc/portlocal/", root.resolve("etc/portlocal").toString() + "/"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result r = run(java, "-jar", root.resolve("usr/share/portlocal/portlocal.jar").toString(),
                "check", "--config", config.toString()).ok("portlocal check --config");
        assertTrue(r.output().contains("ok, 0 endpoints"), r.output());
        Path example = root.resolve("usr/share/doc/portlocal/examples/endpoints.yaml");
        run(java, "-jar", root.resolve("usr/share/portlocal/portlocal.jar").toString(), "check", example.toString())
                .ok("portlocal check on the example");
    }

    @Test
    void onCiItInstallsAndPurgesCleanly() throws Exception {
        Assumptions.assumeTrue(onCi(), "installs into / only on CI (CI=true)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "dpkg -i needs root");
        Assumptions.assumeTrue(run("dpkg", "-s", "portlocal").code() != 0,
                "a portlocal package is already installed: leave it alone");
        List<Path> files = new ArrayList<>();
        for (String f : FILES) {
            files.add(Path.of("/", f));
        }
        try {
            run("dpkg", "-i", deb().toString()).ok("dpkg -i");
            for (Path f : files) {
                assertTrue(Files.isRegularFile(f), f + " installed");
            }
            assertTrue(Files.isRegularFile(Path.of("/etc/portlocal/endpoints.yaml")),
                    "postinst installs the mapping file");
            assertTrue(Files.isRegularFile(Path.of("/var/cache/portlocal/cli.jsa")),
                    "postinst makes the CLI's class-data sharing archive");
            assertTrue(run("/usr/bin/portlocal", "version").ok("portlocal version").output().contains("0."));
            run("/usr/bin/portlocal", "check", "--config", "/etc/portlocal/config.yaml").ok("portlocal check");
            if (has("systemd-analyze")) {
                Result r = run("systemd-analyze", "verify", "/lib/systemd/system/portlocal.service");
                r.ok("systemd-analyze verify of the installed unit");
            }
        } finally {
            run("dpkg", "--purge", "portlocal").ok("dpkg --purge");
        }
        for (Path f : files) {
            assertFalse(Files.exists(f), f + " removed");
        }
        assertFalse(Files.exists(Path.of("/etc/portlocal")), "/etc/portlocal removed on purge");
        assertFalse(Files.exists(Path.of("/var/cache/portlocal")), "the CDS archive removed");
        assertTrue(run("dpkg", "-s", "portlocal").code() != 0, "no longer installed");
    }
}
