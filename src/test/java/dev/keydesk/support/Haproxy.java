package dev.keydesk.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Debian's HAProxy, run by a test as a child process in the foreground with its own configuration
 * and files (a Lua script) in a fresh folder, listening on a free loopback port.
 */
public final class Haproxy {
    public static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private Haproxy() {}

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts HAProxy with {@code config}, after writing {@code files} (name → content) into its
     * folder; in the configuration, {@code {PORT}} stands for the port it listens on and
     * {@code {DIR}} for that folder. Its log is what it writes to standard error.
     */
    public static ProxyProcess start(String config, Map<String, String> files) throws IOException, InterruptedException {
        ProxyProcess.Setup setup = ProxyProcess.Setup.of("haproxy");
        Path dir = setup.dir();
        for (Map.Entry<String, String> file : files.entrySet()) Files.writeString(dir.resolve(file.getKey()), file.getValue());
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, setup.withPort(config).replace("{DIR}", dir.toString()));
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "-db", "-f", conf.toString());
        return setup.start(builder, dir.resolve("haproxy.log"), Duration.ofSeconds(10));
    }
}
