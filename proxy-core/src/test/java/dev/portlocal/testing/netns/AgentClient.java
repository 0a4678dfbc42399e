package dev.portlocal.testing.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The test's end of a {@link NetnsAgent} running inside a namespace: one command out, one reply back, each bounded
 * in time. Replies that are not {@code ok} fail the call with the agent's answer and its log, except where the
 * outcome itself is what a test asks for ({@link #connect}, {@link #udp}).
 */
public final class AgentClient implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final String namespace;
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Path log;

    private AgentClient(String namespace, Process process, Path log) {
        this.namespace = namespace;
        this.process = process;
        this.log = log;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    replies.add(line);
                }
            } catch (IOException e) {
                // The agent is gone; call() reports it.
            }
        }, "agent-reader-" + namespace);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts an agent in {@code ns} on this JVM's classpath, its stderr in {@code log}, and waits until it is up. */
    public static AgentClient start(Topology topology, String ns, Path log) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                NetnsAgent.class.getName());
        Process p = topology.start(ns, cmd, pb -> pb.redirectError(log.toFile()));
        AgentClient agent = new AgentClient(ns, p, log);
        String ready = agent.replies.poll(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!"ready".equals(ready)) {
            agent.close();
            throw new AssertionError("agent in " + ns + " did not start (got " + ready + "): " + agent.logText());
        }
        return agent;
    }

    /** Sends one command line and returns the agent's reply. */
    public String call(String command) {
        requireNonNull(command, "command");
        try {
            commands.write(command + "\n");
            commands.flush();
            String reply = replies.poll(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (reply == null) {
                throw new AssertionError("agent in " + namespace + ": no reply to '" + command + "' within "
                        + CALL_TIMEOUT + "; alive=" + process.isAlive() + "; log: " + logText());
            }
            return reply;
        } catch (IOException e) {
            throw new AssertionError("agent in " + namespace + " is gone (" + e + "); log: " + logText(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted calling the agent in " + namespace, e);
        }
    }

    private String[] ok(String command) {
        String reply = call(command);
        if (!reply.equals("ok") && !reply.startsWith("ok ")) {
            throw new AssertionError("agent in " + namespace + ": '" + command + "' answered '" + reply + "'");
        }
        return reply.split(" ");
    }

    /** Serves TCP on {@code port} (every address): greets with {@code identity}, then echoes. */
    public void serveTcp(int port, String identity) {
        ok("serve-tcp " + port + " " + identity);
    }

    /** Serves UDP on {@code port}: each datagram comes back prefixed with {@code identity} and a space. */
    public void serveUdp(int port, String identity) {
        ok("serve-udp " + port + " " + identity);
    }

    /**
     * Accepts TCP on {@code port} (every address of the agent's namespace) and carries each connection to the Unix
     * socket {@code socket}, which something outside the namespace listens on (a {@link Relay} to loopback).
     */
    public void relayToUnixSocket(int port, Path socket) {
        String path = socket.toAbsolutePath().toString();
        if (path.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("socket: " + path + " (expected: a path without whitespace, as the "
                    + "agent's commands are split on spaces)");
        }
        ok("relay-unix " + port + " " + path);
    }

    /** The outcome of a connect: {@code ok} with the greeting's identity, {@code refused}, {@code timeout}, ... */
    public record Outcome(String kind, String identity) {
        public boolean refused() {
            return kind.equals("refused");
        }
    }

    public Outcome connect(String host, int port) {
        String[] f = call("connect " + host + " " + port).split(" ", 2);
        return new Outcome(f[0], f[0].equals("ok") ? f[1] : "");
    }

    /** One transfer's result: who answered, what came back, and the digests of both directions. */
    public record Transfer(String identity, long receivedBytes, String sentSha256, String receivedSha256) {
    }

    /** Connects, sends {@code bytes} of the pattern {@code seed} and reads the echo to the end. */
    public Transfer echo(String host, int port, long bytes, long seed) {
        return transfer(ok("echo " + host + " " + port + " " + bytes + " " + seed));
    }

    /** Opens connection {@code name} and reads its greeting; returns the identity. */
    public String open(String name, String host, int port) {
        return ok("open " + name + " " + host + " " + port)[1];
    }

    /** Echoes {@code bytes} over the open connection {@code name}, then closes it. */
    public Transfer transfer(String name, long bytes, long seed) {
        return transfer(ok("transfer " + name + " " + bytes + " " + seed));
    }

    private static Transfer transfer(String[] f) {
        return new Transfer(f[1], Long.parseLong(f[2]), f[3], f[4]);
    }

    /** An HTTP answer: status and body text. */
    public record HttpReply(int status, String body) {
    }

    /** {@code method url} with an optional bearer token and JSON body (null for none). */
    public HttpReply http(String method, String url, String token, String jsonBody) {
        String body = jsonBody == null ? "-"
                : Base64.getEncoder().encodeToString(jsonBody.getBytes(StandardCharsets.UTF_8));
        String[] f = ok("http " + method + " " + url + " " + (token == null ? "-" : token) + " " + body);
        String text = f.length > 2 ? new String(Base64.getDecoder().decode(f[2]), StandardCharsets.UTF_8) : "";
        return new HttpReply(Integer.parseInt(f[1]), text);
    }

    /** Sends one datagram; the reply's text, or {@code refused} / {@code timeout}. */
    public String udp(String host, int port, String text) {
        String reply = call("udp " + host + " " + port + " " + text);
        if (reply.startsWith("ok ")) {
            return new String(Base64.getDecoder().decode(reply.substring(3)), StandardCharsets.UTF_8);
        }
        return reply;
    }

    private String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    /** Closes its stdin (the agent exits) and waits briefly; the topology kills what is left. */
    @Override
    public void close() {
        try {
            commands.close();
        } catch (IOException e) {
            // Already gone.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
