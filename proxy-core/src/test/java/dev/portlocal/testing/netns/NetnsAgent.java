package dev.portlocal.testing.netns;

import dev.portlocal.testing.Patterns;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A small process that a test starts inside a namespace (with {@link AgentClient}) to act from there: serve as a
 * pod's backend, or, from {@code lb}, connect, transfer, and call node APIs. It reads one command per line on stdin
 * and answers each with one line on stdout, in order; it exits when stdin closes, so it never outlives its test.
 *
 * <p>Backends: {@code serve-tcp PORT IDENTITY} accepts on every address; each connection first gets
 * {@code IDENTITY\n}, then everything it sends echoed back, then FIN after the client's FIN. {@code serve-udp PORT
 * IDENTITY} answers each datagram with {@code IDENTITY } and the datagram. Answers {@code ok}.
 *
 * <p>Relays: {@code relay-unix PORT PATH} accepts TCP on every address of the namespace and carries each
 * connection to the Unix socket {@code PATH} ({@link Relay}); answers {@code ok}. The test's end of that socket is
 * outside the namespace, on the test JVM's loopback.
 *
 * <p>Clients ({@code HOST PORT} is where to connect; answers are {@code refused}, {@code timeout}, {@code error
 * MESSAGE} or {@code ok ...}):
 * <ul>
 *   <li>{@code connect HOST PORT}: {@code ok IDENTITY}, the greeting it read, then closes;</li>
 *   <li>{@code echo HOST PORT BYTES SEED}: connects, sends BYTES of the pattern SEED while reading the echo back, and
 *       answers {@code ok IDENTITY RECEIVED_BYTES SENT_SHA256 RECEIVED_SHA256};</li>
 *   <li>{@code open NAME HOST PORT}, then {@code transfer NAME BYTES SEED}: the same, split around a pause in which
 *       the connection stays open; {@code open} answers {@code ok IDENTITY};</li>
 *   <li>{@code udp HOST PORT TEXT}: {@code ok BASE64(reply)} within 2 s;</li>
 *   <li>{@code http METHOD URL TOKEN BODY}: TOKEN and BODY (base64 JSON) are {@code -} when absent; answers
 *       {@code ok STATUS BASE64(body)}.</li>
 * </ul>
 *
 * <p>Threading: commands run one at a time on the main thread; each server has an accept thread and a thread per
 * connection, each transfer a writer thread.
 */
public final class NetnsAgent {

    private static final int CONNECT_TIMEOUT_MILLIS = 3_000;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final int MAX_IDENTITY = 200;

    private final PrintStream out;
    private final Map<String, Connection> open = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private NetnsAgent(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        NetnsAgent agent = new NetnsAgent(out);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ready");
        String line;
        while ((line = in.readLine()) != null) {
            String reply;
            try {
                reply = agent.handle(line.trim().split(" "));
            } catch (ConnectException e) {
                reply = "refused";
            } catch (SocketTimeoutException e) {
                reply = "timeout";
            } catch (Exception e) {
                reply = "error " + String.valueOf(e).replace('\n', ' ');
            }
            out.println(reply);
        }
        System.exit(0);
    }

    private String handle(String[] c) throws Exception {
        return switch (c[0]) {
            case "serve-tcp" -> {
                serveTcp(Integer.parseInt(c[1]), c[2]);
                yield "ok";
            }
            case "serve-udp" -> {
                serveUdp(Integer.parseInt(c[1]), c[2]);
                yield "ok";
            }
            case "connect" -> {
                try (Connection conn = Connection.open(c[1], Integer.parseInt(c[2]))) {
                    yield "ok " + conn.identity;
                }
            }
            case "echo" -> {
                try (Connection conn = Connection.open(c[1], Integer.parseInt(c[2]))) {
                    yield "ok " + conn.identity + " " + conn.transfer(Long.parseLong(c[3]), Long.parseLong(c[4]));
                }
            }
            case "open" -> {
                Connection conn = Connection.open(c[2], Integer.parseInt(c[3]));
                open.put(c[1], conn);
                yield "ok " + conn.identity;
            }
            case "transfer" -> {
                Connection held = open.remove(c[1]);
                if (held == null) {
                    yield "error no open connection " + c[1];
                }
                try (held) {
                    yield "ok " + held.identity + " " + held.transfer(Long.parseLong(c[2]), Long.parseLong(c[3]));
                }
            }
            case "relay-unix" -> {
                Relay.start(new InetSocketAddress(Integer.parseInt(c[1])), UnixDomainSocketAddress.of(c[2]));
                yield "ok";
            }
            case "udp" -> udp(c[1], Integer.parseInt(c[2]), c[3]);
            case "http" -> http(c[1], c[2], c[3], c[4]);
            default -> "error unknown command " + c[0];
        };
    }

    private static void serveTcp(int port, String identity) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port));
        byte[] greeting = (identity + "\n").getBytes(StandardCharsets.US_ASCII);
        daemon("accept-" + port, () -> {
            while (true) {
                Socket s = server.accept();
                daemon("echo-" + port, () -> {
                    try (s) {
                        OutputStream o = s.getOutputStream();
                        o.write(greeting);
                        s.getInputStream().transferTo(o);
                        s.shutdownOutput();
                    }
                });
            }
        });
    }

    private static void serveUdp(int port, String identity) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(port));
        byte[] prefix = (identity + " ").getBytes(StandardCharsets.US_ASCII);
        daemon("udp-" + port, () -> {
            byte[] buf = new byte[2048];
            while (true) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                socket.receive(in);
                byte[] reply = Arrays.copyOf(prefix, prefix.length + in.getLength());
                System.arraycopy(buf, 0, reply, prefix.length, in.getLength());
                socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
            }
        });
    }

    private static String udp(String host, int port, String text) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress(host, port));
            socket.setSoTimeout(2_000);
            byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(payload, payload.length));
            byte[] buf = new byte[2048];
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (PortUnreachableException e) {
                return "refused";
            }
            return "ok " + Base64.getEncoder().encodeToString(Arrays.copyOf(buf, in.getLength()));
        }
    }

    private String http(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (!token.equals("-")) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body.equals("-")) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Base64.getDecoder().decode(body)));
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return "ok " + response.statusCode() + " " + Base64.getEncoder().encodeToString(response.body());
    }

    /** A client connection that has read its greeting. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final String identity;

        private Connection(Socket socket, InputStream in, String identity) {
            this.socket = socket;
            this.in = in;
            this.identity = identity;
        }

        static Connection open(String host, int port) throws IOException {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                StringBuilder id = new StringBuilder();
                int b;
                while ((b = in.read()) != '\n') {
                    if (b < 0 || id.length() > MAX_IDENTITY) {
                        throw new IOException("no greeting from " + host + ":" + port + " (read: " + id + ")");
                    }
                    id.append((char) b);
                }
                return new Connection(socket, in, id.toString());
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        /** Sends the pattern while reading the echo; then FIN, and reads to the peer's FIN. */
        String transfer(long bytes, long seed) throws IOException, InterruptedException, ExecutionException {
            CompletableFuture<byte[]> sent = new CompletableFuture<>();
            daemon("writer", () -> {
                try {
                    sent.complete(Patterns.send(socket.getOutputStream(), seed, bytes));
                    socket.shutdownOutput();
                } catch (IOException e) {
                    sent.completeExceptionally(e);
                }
            });
            Patterns.Received received = Patterns.receive(in);
            HexFormat hex = HexFormat.of();
            return received.bytes() + " " + hex.formatHex(sent.get()) + " " + hex.formatHex(received.digest());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private interface Body {
        void run() throws IOException;
    }

    private static void daemon(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (IOException e) {
                // A connection or server that fails ends its thread; the client side reports what it saw.
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }
}
