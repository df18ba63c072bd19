package dev.keydesk.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin command line, run as its own process against the shared test database. */
@IntegrationTest
class AdminCommandsTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private Map<String, String> env;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        // Same data directory (so the same master key), database reached through the running server.
        env = keydesk.env(Map.of());
    }

    @Test
    void createUserMakesAnOrganizationAndAnAccountThatCanFetchItsKey() throws Exception {
        KeydeskProcess.Result r = KeydeskProcess.run(env, "a long password\n", "create-user",
                "--email", "lear@zulip.com", "--full-name", "King Lear", "--role", "owner", "--password-stdin",
                "--org-name", "Britain");
        assertEquals(0, r.exitCode(), r.stderr());
        long id = Long.parseLong(r.stdout().strip());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM organizations WHERE name = 'Britain'"));
        assertTrue(r.stderr().contains("There was no organization yet, so this created it: \"Britain\""), r.stderr());
        Http.Response fetched = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "lear@zulip.com", "password", "a long password"), null);
        assertEquals(200, fetched.status());
        assertEquals(id, fetched.json().get("user_id").asLong());

        KeydeskProcess.Result second = KeydeskProcess.run(env, "another password\n", "create-user",
                "--email", "goneril@zulip.com", "--full-name", "Goneril", "--role", "member", "--password-stdin");
        assertEquals(0, second.exitCode(), second.stderr());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM organizations"));
        assertFalse(second.stderr().contains("organization"), "the second account is only an account: " + second.stderr());
    }

    @Test
    void createUserRefusesDuplicatesAndBadInput() throws Exception {
        Fixtures.member("lear@zulip.com");
        KeydeskProcess.Result duplicate = KeydeskProcess.run(env, "a long password\n", "create-user",
                "--email", "LEAR@zulip.com", "--full-name", "Lear", "--role", "member", "--password-stdin");
        assertEquals(1, duplicate.exitCode());
        assertTrue(duplicate.stderr().contains("already exists"), duplicate.stderr());

        KeydeskProcess.Result badRole = KeydeskProcess.run(env, "a long password\n", "create-user",
                "--email", "x@zulip.com", "--full-name", "X", "--role", "emperor", "--password-stdin");
        assertEquals(2, badRole.exitCode());
        KeydeskProcess.Result noStdinFlag = KeydeskProcess.run(env, "a long password\n", "create-user",
                "--email", "x@zulip.com", "--full-name", "X", "--role", "member");
        assertEquals(2, noStdinFlag.exitCode());
        KeydeskProcess.Result shortPassword = KeydeskProcess.run(env, "short\n", "create-user",
                "--email", "x@zulip.com", "--full-name", "X", "--role", "member", "--password-stdin");
        assertEquals(1, shortPassword.exitCode());
        KeydeskProcess.Result badEmail = KeydeskProcess.run(env, "a long password\n", "create-user",
                "--email", "not an email", "--full-name", "X", "--role", "member", "--password-stdin");
        assertEquals(1, badEmail.exitCode());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users"));
    }

    @Test
    void regenerateKeyRotatesWithoutPrintingTheKey() throws Exception {
        User lear = Fixtures.member("lear@zulip.com");
        String old = Fixtures.keyOf(lear);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(200, Http.get(me, Http.basic("lear@zulip.com", old)).status());

        KeydeskProcess.Result r = KeydeskProcess.run(env, null, "regenerate-key", "--email", "lear@zulip.com");
        assertEquals(0, r.exitCode(), r.stderr());
        String fresh = Fixtures.keyOf(lear);
        assertFalse(r.stdout().contains(fresh) || r.stderr().contains(fresh), "the new key is not printed");
        assertFalse(r.stdout().contains(old));
        // The running server learns of the change from the other process through the database.
        long deadline = System.nanoTime() + 30_000_000_000L; // a correctness deadline, not a speed budget
        int status = Http.get(me, Http.basic("lear@zulip.com", old)).status();
        while (status != 401 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            status = Http.get(me, Http.basic("lear@zulip.com", old)).status();
        }
        assertEquals(401, status);
        assertTrue(Fixtures.auditEvents(lear.id()).contains("api_key_changed"));

        KeydeskProcess.Result unknown = KeydeskProcess.run(env, null, "regenerate-key", "--email", "nobody@zulip.com");
        assertEquals(1, unknown.exitCode());
    }
}
