package dev.keydesk.session;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session's form token is not kept in the database: it is derived from the session's cookie
 * token, of which only a digest is stored, so a copy of the sessions table forges no form.
 */
@IntegrationTest
class CsrfTokenStorageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.member("iago@zulip.com");
        Fixtures.member("othello@zulip.com");
    }

    /** Every row of the sessions table as text, every column included. */
    private List<String> sessionRows() {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT s::text || ' ' || encode(s.token_digest, 'base64') || ' ' || encode(s.token_digest, 'hex') FROM sessions s")
                .mapTo(String.class).list());
    }

    @Test
    void theFormTokenIsNowhereInTheDatabaseAndStillGuardsForms() {
        WebClient iago = new WebClient(keydesk.baseUrl());
        Page account = iago.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, account.status());
        String token = WebClient.csrf(iago.get("/account"));
        assertEquals(token, WebClient.csrf(iago.get("/bots")), "one token for the whole session");

        List<String> rows = sessionRows();
        assertEquals(1, rows.size());
        assertFalse(rows.get(0).contains(token), "the form token is stored: " + rows.get(0));
        String cookie = iago.cookie(WebSession.SESSION_COOKIE);
        assertFalse(rows.get(0).contains(cookie), "nor is the session token");

        // Another session has another token, and neither works for the other.
        WebClient othello = new WebClient(keydesk.baseUrl());
        othello.login("othello@zulip.com", Fixtures.PASSWORD);
        String other = WebClient.csrf(othello.get("/account"));
        assertNotEquals(token, other);
        Page forged = iago.post("/logout", Map.of("csrf_token", other));
        assertEquals(403, forged.status());
        Page missing = iago.post("/logout", Map.of());
        assertEquals(403, missing.status());
        Page loggedOut = iago.post("/logout", Map.of("csrf_token", token));
        assertEquals(200, loggedOut.status());
        assertTrue(loggedOut.doc().selectFirst("form[action=/login]") != null, loggedOut.body());
    }

    @Test
    void aNewLoginIsANewToken() {
        WebClient iago = new WebClient(keydesk.baseUrl());
        iago.login("iago@zulip.com", Fixtures.PASSWORD);
        String first = WebClient.csrf(iago.get("/account"));
        WebClient again = new WebClient(keydesk.baseUrl());
        again.login("iago@zulip.com", Fixtures.PASSWORD);
        assertNotEquals(first, WebClient.csrf(again.get("/account")));
    }
}
