package dev.keydesk.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A proxy server (nginx, Caddy) run by a test as a child process from a fresh temporary folder,
 * on a free loopback port: started, waited for until it listens, stopped, and its folder removed.
 * {@link Nginx} and {@link Caddy} only write their configuration and command line.
 */
public final class ProxyProcess implements AutoCloseable {
    private final Setup setup;
    private final Process process;
    private final Path log;

    private ProxyProcess(Setup setup, Process process, Path log) {
        this.setup = setup;
        this.process = process;
        this.log = log;
    }

    /** What a proxy needs before it starts: its own folder and a free port for its configuration. */
    public record Setup(String name, Path dir, int port) {
        public static Setup of(String name) throws IOException {
            Path dir = Files.createTempDirectory("keydesk-" + name);
            try (ServerSocket socket = new ServerSocket(0)) {
                return new Setup(name, dir, socket.getLocalPort());
            }
        }

        /** {@code template} with {@code {PORT}} replaced by the port the proxy listens on. */
        public String withPort(String template) {
            return template.replace("{PORT}", Integer.toString(port));
        }

        /**
         * Runs {@code builder} in this folder, its output appended to {@code log} (which the proxy
         * may also write itself), and waits up to {@code within} for it to listen.
         */
        public ProxyProcess start(ProcessBuilder builder, Path log, Duration within)
                throws IOException, InterruptedException {
            Process process = builder.directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            ProxyProcess proxy = new ProxyProcess(this, process, log);
            proxy.awaitListening(within);
            return proxy;
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + setup.port() + path;
    }

    public int port() {
        return setup.port();
    }

    /** What the proxy logged, for failure messages. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitListening(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String logged = log(); // before close() removes the folder
                close();
                throw new IllegalStateException(setup.name() + " stopped at start:\n" + logged);
            }
            try (Socket ignored = new Socket("127.0.0.1", setup.port())) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        String logged = log();
        close();
        throw new IllegalStateException(setup.name() + " did not listen within " + within.toSeconds() + " s:\n" + logged);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(setup.dir())) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(path);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not remove " + setup.name() + "'s folder " + setup.dir() + ": " + e.getMessage());
        }
    }
}
