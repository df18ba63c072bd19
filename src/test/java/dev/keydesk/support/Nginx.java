package dev.keydesk.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's nginx, run by a test as a child process with its own configuration, temporary
 * directories and logs in a fresh folder, listening on a free loopback port.
 */
public final class Nginx {
    public static final Path BINARY = Path.of("/usr/sbin/nginx");

    private Nginx() {}

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts nginx with {@code httpBlock} as the body of its http block; {@code {PORT}} in it
     * stands for the port nginx listens on. Its log is nginx's error log.
     */
    public static ProxyProcess start(String httpBlock) throws IOException, InterruptedException {
        ProxyProcess.Setup setup = ProxyProcess.Setup.of("nginx");
        Path dir = setup.dir();
        Path errorLog = dir.resolve("error.log");
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
                """.formatted(dir.resolve("nginx.pid"), errorLog, temps, setup.withPort(httpBlock));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        // What nginx says before it opens its error log (a bad configuration) goes to the same file.
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "-p", dir.toString(), "-c", conf.toString(),
                "-e", errorLog.toString());
        return setup.start(builder, errorLog, Duration.ofSeconds(10));
    }
}
