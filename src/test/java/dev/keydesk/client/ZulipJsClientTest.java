package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official JavaScript client, zulip-js, signs in with a zuliprc file downloaded from the
 * Account &amp; privacy page and reads the user's profile (src/test/node/get-profile.js).
 */
class ZulipJsClientTest {
    private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final String site = keydesk.baseUrl();
    private User iago;

    @TempDir
    Path tmp;

    @BeforeAll
    static void installClient() {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("zulip-js"))) {
            npmCi();
        }
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
    }

    @Test
    void downloadedZuliprcSignsTheClientIn() throws IOException {
        WebClient browser = new WebClient(site);
        String zuliprc = downloadZuliprc(browser, revealKey(browser));
        assertTrue(zuliprc.contains("\nsite=" + site + "\n"), zuliprc);

        Result run = getProfile(write("zuliprc", zuliprc));
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode profile = run.json();
        assertEquals("success", profile.path("result").asText(), run.toString());
        assertEquals("iago@zulip.com", profile.path("email").asText(), run.toString());
        assertFalse(profile.path("is_bot").asBoolean(true), run.toString());
        assertTrue(profile.path("is_bot").isBoolean(), run.toString());
        assertEquals(iago.id(), profile.path("user_id").asLong(), run.toString());
    }

    @Test
    void regeneratingTheKeyLocksOutTheOldZuliprc() throws IOException {
        WebClient browser = new WebClient(site);
        WebClient.Page revealed = revealKey(browser);
        Path oldFile = write("zuliprc-old", downloadZuliprc(browser, revealed));
        assertEquals(0, getProfile(oldFile).exitCode());

        WebClient.Page confirm = browser.submit(revealed, "/account/api-key/regenerate", Map.of());
        assertEquals(200, confirm.status(), confirm.body());
        WebClient.Page regenerated = browser.submit(confirm, "/account/api-key/regenerate", Map.of("confirmed", "yes"));
        assertEquals(200, regenerated.status(), regenerated.body());
        assertTrue(regenerated.text().contains("The old key no longer works"), regenerated.text());

        Result old = getProfile(oldFile);
        assertEquals(1, old.exitCode(), old.toString());
        assertEquals("error", old.json().path("result").asText(), old.toString());
        assertTrue(old.stdout().contains("INVALID_API_KEY") || old.stdout().contains("Invalid API key"), old.toString());

        String fresh = downloadZuliprc(browser, regenerated);
        assertNotEquals(Files.readString(oldFile), fresh);
        Result again = getProfile(write("zuliprc-new", fresh));
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals("iago@zulip.com", again.json().path("email").asText(), again.toString());
        assertEquals(iago.id(), again.json().path("user_id").asLong(), again.toString());
    }

    /** Logs in, opens "Manage your API key" and confirms the password; returns the page showing the key. */
    private static WebClient.Page revealKey(WebClient browser) {
        WebClient.Page account = browser.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, account.status(), account.body());
        WebClient.Page ask = browser.get("/account/api-key");
        assertEquals(200, ask.status(), ask.body());
        WebClient.Page shown = browser.submit(ask, "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, shown.status(), shown.body());
        assertTrue(shown.doc().selectFirst("#api-key-value") != null, shown.body());
        return shown;
    }

    /** Presses "Download zuliprc" on a page showing the key; returns the file. */
    private static String downloadZuliprc(WebClient browser, WebClient.Page shown) {
        String key = shown.doc().selectFirst("#api-key-value").attr("value");
        WebClient.Page download = browser.submit(shown, "/account/zuliprc", Map.of());
        assertEquals(200, download.status(), download.body());
        assertEquals("attachment; filename=\"zuliprc\"", download.header("Content-Disposition"));
        assertTrue(download.body().startsWith("[api]\n"), download.body());
        assertTrue(download.body().contains("\nkey=" + key + "\n"), download.body());
        return download.body();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }

    private record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("get-profile.js did not print JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private static Result getProfile(Path zuliprc) {
        Process process = start(new ProcessBuilder("node", "get-profile.js", zuliprc.toString()).directory(NODE_DIR.toFile()));
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("node get-profile.js did not finish within 60 seconds");
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for node", e);
        }
    }

    private static void npmCi() {
        Process process = start(new ProcessBuilder("npm", "ci").directory(NODE_DIR.toFile()).inheritIO());
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
                    + "; the zulip-js client tests need its node_modules");
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
