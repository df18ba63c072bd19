package dev.keydesk.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops and starts a Keydesk's embedded PostgreSQL with the pg_ctl it was started with: its data
 * directory, port and options are read from PostgreSQL's own postmaster.pid and postmaster.opts,
 * so it restarts exactly as the embedded server started it. For a database outage on purpose.
 */
public record PostgresControl(Path dataDir, Path pgCtl, int port, String options) {
    /** {@code dataDir}: the embedded server's data directory, {@code $KEYDESK_DATA_DIR/postgres}. */
    public static PostgresControl running(Path dataDir) throws IOException {
        List<String> pidFile = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        int port = Integer.parseInt(pidFile.get(3).trim());
        // "/…/bin/postgres" "-D" "/…" "-p" "5432" …: the binary, then its options quoted for a shell.
        String opts = Files.readString(dataDir.resolve("postmaster.opts")).trim();
        int split = opts.indexOf(' ');
        Path postgres = Path.of(opts.substring(0, split).replace("\"", ""));
        return new PostgresControl(dataDir, postgres.resolveSibling("pg_ctl"), port, opts.substring(split + 1));
    }

    /** Stops the server (fast shutdown: open connections are closed); returns once it is down. */
    public void stop() throws IOException, InterruptedException {
        pgCtl("-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop");
    }

    /** Starts the server; returns once it accepts connections. */
    public void start() throws IOException, InterruptedException {
        pgCtl("-D", dataDir.toString(), "-l", dataDir.resolveSibling("postgres-restart.log").toString(),
                "-o", options, "-w", "-t", "30", "start");
    }

    private void pgCtl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        // PostgreSQL refuses to run as root; like the embedded server, run it in a user namespace then.
        if ((int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) command.addAll(List.of("unshare", "-U"));
        command.add(pgCtl.toString());
        command.addAll(Arrays.asList(args));
        Path output = Files.createTempFile(dataDir.getParent(), "pg_ctl", ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " failed: " + Files.readString(output));
        }
    }
}
