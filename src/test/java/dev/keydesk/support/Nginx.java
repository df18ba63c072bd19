package dev.keydesk.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx, run by a test as a child process with its own configuration, temporary
 * directories and logs in a fresh folder, listening on a free loopback port.
 */
public final class Nginx implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final Path dir;
    private final int port;

    private Nginx(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts nginx with {@code httpBlock} as the body of its http block; {@code {PORT}} in it
     * stands for the port nginx listens on.
     */
    public static Nginx start(String httpBlock) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("keydesk-nginx");
        int port = freePort();
        String temps = String.join("\n", "client_body_temp_path " + dir.resolve("body") + ";",
                "proxy_temp_path " + dir.resolve("proxy") + ";", "fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "uwsgi_temp_path " + dir.resolve("uwsgi") + ";", "scgi_temp_path " + dir.resolve("scgi") + ";");
        String config = """
                daemon off;
                worker_processes 1;
                pid %s;
                error_log %s warn;
                events { worker_connections 256; }
                http {
                    access_log off;
                    %s
                    %s
                }
                """.formatted(dir.resolve("nginx.pid"), dir.resolve("error.log"), temps,
                httpBlock.replace("{PORT}", Integer.toString(port)));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        Process process = new ProcessBuilder(BINARY.toString(), "-p", dir.toString(), "-c", conf.toString(),
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Nginx nginx = new Nginx(process, dir, port);
        nginx.awaitListening();
        return nginx;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** What nginx wrote to its error log, for failure messages. */
    public String errorLog() {
        try {
            return Files.readString(dir.resolve("error.log"));
        } catch (IOException e) {
            return "(no error log: " + e.getMessage() + ")";
        }
    }

    private void awaitListening() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx stopped at start:\n" + Files.readString(dir.resolve("stdout.log"))
                        + errorLog());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        close();
        throw new IllegalStateException("nginx did not listen within 10 s:\n" + errorLog());
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
    }
}
