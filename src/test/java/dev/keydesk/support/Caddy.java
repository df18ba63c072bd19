package dev.keydesk.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Debian's Caddy, run by a test as a child process with a Caddyfile of the test's, on a free
 * loopback port. Its home, configuration and data directories are the process's fresh temporary
 * folder, so nothing it keeps (autosaved configuration, certificates) lands outside it; the global
 * options turn off the admin endpoint and automatic HTTPS, so it never asks for a certificate.
 */
public final class Caddy {
    public static final Path BINARY = Path.of("/usr/bin/caddy");

    private Caddy() {}

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts Caddy with {@code sites} after the global options; {@code {PORT}} in it stands for
     * the port Caddy listens on.
     */
    public static ProxyProcess start(String sites) throws IOException, InterruptedException {
        ProxyProcess.Setup setup = ProxyProcess.Setup.of("caddy");
        Path dir = setup.dir();
        String config = """
                {
                    admin off
                    auto_https off
                }
                %s
                """.formatted(setup.withPort(sites));
        Path caddyfile = dir.resolve("Caddyfile");
        Files.writeString(caddyfile, config);
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "run", "--config", caddyfile.toString(),
                "--adapter", "caddyfile");
        Map<String, String> env = builder.environment();
        env.put("HOME", dir.toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put("XDG_DATA_HOME", dir.resolve("data").toString());
        return setup.start(builder, dir.resolve("caddy.log"), Duration.ofSeconds(15));
    }
}
