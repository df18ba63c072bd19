package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the zulip-js client (the scripts in src/test/node) against a zuliprc file. Installs the
 * npm package on first use; a missing Node.js or npm fails the test with a clear message.
 */
final class ZulipJs {
    private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ZulipJs() {}

    static void ensureInstalled() {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("zulip-js"))) {
            npmCi();
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("the script did not print JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    static Result getProfile(Path zuliprc) {
        return run("get-profile.js", zuliprc.toString());
    }

    /** Runs one script of src/test/node with its arguments; waits at most a minute. */
    static Result run(String script, String... args) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("node", script));
        command.addAll(java.util.List.of(args));
        Process process = start(new ProcessBuilder(command).directory(NODE_DIR.toFile()));
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("node " + script + " did not finish within 60 seconds");
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for node", e);
        }
    }

    private static void npmCi() {
        // Its output is captured, not inherited: the test JVM's own standard output talks to Maven.
        Process process = start(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(NODE_DIR.toFile())
                .redirectErrorStream(true));
        CompletableFuture<String> output = drain(process.getInputStream());
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("npm ci in " + NODE_DIR + " did not finish within 10 minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for npm ci", e);
        }
        if (process.exitValue() != 0) {
            fail("npm ci in " + NODE_DIR + " failed with exit code " + process.exitValue()
                    + "; the zulip-js client tests need its node_modules:\n" + output.join());
        }
    }

    private static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new AssertionError("Cannot run " + String.join(" ", builder.command())
                    + ". The zulip-js client tests need Node.js and npm on the PATH.", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
