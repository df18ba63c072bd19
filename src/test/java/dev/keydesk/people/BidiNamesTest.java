package dev.keydesk.people;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Over HTTP: a bot, a key and an invited person cannot be named with a right-to-left override. */
@IntegrationTest
class BidiNamesTest {
    private static final String SPOOF = "Deploy\u202Egnp.exe";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
    }

    @Test
    void botsAndKeysAreNotNamedWithBidiControls() {
        String auth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
        Http.Response api = Http.postForm(keydesk.baseUrl() + "/api/v1/bots",
                Map.of("full_name", SPOOF, "short_name", "deploy"), auth);
        assertEquals(400, api.status(), api.body());
        assertEquals("Invalid characters in name!", api.json().get("msg").asText());

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        WebClient.Page key = browser.submit(browser.get("/keys/new"), "/keys",
                Map.of("name", "Key\u2067 two", "accounts", Long.toString(admin.id())));
        assertEquals(400, key.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void anInvitedPersonIsNotNamedWithBidiControls() {
        String token = Fixtures.invite(admin, "othello@zulip.com");
        WebClient browser = new WebClient(keydesk.baseUrl());
        WebClient.Page form = browser.get("/invite/" + token);
        WebClient.Page answer = browser.submit(form, "/invite/" + token, Map.of("full_name", SPOOF,
                "password", Fixtures.PASSWORD, "password_confirm", Fixtures.PASSWORD));
        assertEquals(400, answer.status(), answer.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE email = 'othello@zulip.com'"));
        assertEquals(200, browser.get("/invite/" + token).status(), "the invitation is still usable");
    }
}
