package dev.keydesk.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Caddy, run by a test as a child process with a Caddyfile of the test's, on a free
 * loopback port. Its home, configuration and data directories are a fresh temporary folder, so
 * nothing it keeps (autosaved configuration, certificates) lands outside it; the global options
 * turn off the admin endpoint and automatic HTTPS, so it never asks for a certificate.
 */
public final class Caddy implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/caddy");

    private final Process process;
    private final Path dir;
    private final int port;

    private Caddy(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts Caddy with {@code sites} after the global options; {@code {PORT}} in it stands for
     * the port Caddy listens on.
     */
    public static Caddy start(String sites) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("keydesk-caddy");
        int port = freePort();
        String config = """
                {
                    admin off
                    auto_https off
                }
                %s
                """.formatted(sites.replace("{PORT}", Integer.toString(port)));
        Path caddyfile = dir.resolve("Caddyfile");
        Files.writeString(caddyfile, config);
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "run", "--config", caddyfile.toString(),
                "--adapter", "caddyfile")
                .directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("caddy.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("HOME", dir.toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put("XDG_DATA_HOME", dir.resolve("data").toString());
        Caddy caddy = new Caddy(builder.start(), dir, port);
        caddy.awaitListening();
        return caddy;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public int port() {
        return port;
    }

    /** What Caddy logged, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("caddy.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("caddy stopped at start:\n" + log());
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        close();
        throw new IllegalStateException("caddy did not listen within 15 s:\n" + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(path);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not remove Caddy's folder " + dir + ": " + e.getMessage());
        }
    }
}
