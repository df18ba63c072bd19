package dev.keydesk.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.audit.Actor;
import dev.keydesk.config.ConfigException;
import dev.keydesk.config.Settings;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, restarting and failing to start, in this JVM and as a separate process. */
@IntegrationTest
class StartupTest {
    @TempDir
    Path dataDir;

    private Map<String, String> env() {
        return Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR", dataDir.toString());
    }

    @Test
    void restartKeepsUsersAndKeysAndRefusesAnotherMasterKey() throws Exception {
        String key;
        long userId;
        try (Keydesk first = Keydesk.start(Settings.fromMap(env()))) {
            User user = first.services().organizations().createUserFromCommandLine("Acme", "cordelia@zulip.com",
                    "Cordelia", Role.OWNER, "a long password").user();
            userId = user.id();
            key = first.services().apiKeys().revealKey(Actor.commandLine(), userId, "test");
        }
        assertTrue(Files.exists(dataDir.resolve("master.key")));
        String stored = Files.readString(dataDir.resolve("postgres/PG_VERSION")).trim();
        assertEquals("17", stored);

        try (Keydesk second = Keydesk.start(Settings.fromMap(env()))) {
            Http.Response me = Http.get("http://localhost:" + second.port() + "/api/v1/users/me",
                    Http.basic("cordelia@zulip.com", key));
            assertEquals(200, me.status(), me.body());
            assertEquals(userId, me.json().get("user_id").asLong());
        }

        Path otherKey = dataDir.resolve("other.key");
        Files.write(otherKey, new byte[32]);
        Map<String, String> wrongKey = new java.util.HashMap<>(env());
        wrongKey.put("KEYDESK_MASTER_KEY_FILE", otherKey.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> Keydesk.start(Settings.fromMap(wrongKey)));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        // The embedded server was stopped again: a normal start still works.
        try (Keydesk third = Keydesk.start(Settings.fromMap(env()))) {
            assertEquals(200, Http.get("http://localhost:" + third.port() + "/health", null).status());
        }
    }

    @Test
    void aPortInUseIsExplained() {
        TestKeydesk shared = TestKeydesk.get();
        Map<String, String> env = shared.env(Map.of(
                "KEYDESK_PORT", Integer.toString(shared.primary().port()),
                "KEYDESK_DATABASE_URL", shared.databaseUrl()));
        ConfigException e = assertThrows(ConfigException.class, () -> Keydesk.start(Settings.fromMap(env)));
        assertTrue(e.getMessage().startsWith("Cannot listen on"), e.getMessage());
        assertTrue(e.getMessage().contains("KEYDESK_PORT"), e.getMessage());
    }

    @Test
    void anUnreachableDatabaseGivesOneLineAndANonZeroExit() throws Exception {
        KeydeskProcess.Result r = KeydeskProcess.run(Map.of(
                "KEYDESK_DATABASE_URL", "postgresql://keydesk:secret@127.0.0.1:1/keydesk",
                "KEYDESK_DATA_DIR", dataDir.toString()), null);
        assertEquals(1, r.exitCode());
        String[] lines = r.stderr().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("keydesk: Cannot reach the database"), r.stderr());
        assertFalse(r.stderr().contains("secret"), "the password is not printed");
        assertFalse(r.stderr().contains("\tat "), "no stack trace");
    }

    @Test
    void theServerPrintsItsSetupLinkAndStopsCleanlyOnSignal() throws Exception {
        Process server = KeydeskProcess.builder(env()).redirectErrorStream(true).start();
        String setupLink = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                int at = line.indexOf("/setup/");
                if (at >= 0) {
                    setupLink = line.substring(line.lastIndexOf("http", at));
                    break;
                }
            }
            assertTrue(setupLink != null, "no setup link was printed");
            String port = setupLink.replaceFirst("http://localhost:(\\d+)/.*", "$1");
            assertNotEquals("0", port, "the link names the external URL");
            assertTrue(Files.exists(dataDir.resolve("postgres/postmaster.pid")));
            server.destroy(); // SIGTERM, as Ctrl-C would
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops");
        } finally {
            server.destroyForcibly();
        }
        assertFalse(Files.exists(dataDir.resolve("postgres/postmaster.pid")), "the embedded PostgreSQL stopped too");
    }
}
