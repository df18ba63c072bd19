package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.people.PeopleActions;
import dev.keydesk.session.Session;
import dev.keydesk.session.SessionStore;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every deadline a person meets on the pages follows the server's clock, not the database's or
 * the machine's: moving {@link TestKeydesk#CLOCK} forward ends invitations, reset links, the
 * password re-entry window and idle sessions at once, and a key's last use is recorded at its
 * time, with no row edited by hand.
 */
@IntegrationTest
class MovingClockTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
    }

    @AfterEach
    void backToRealTime() {
        TestKeydesk.CLOCK.reset();
    }

    private WebClient browser() {
        return new WebClient(keydesk.baseUrl());
    }

    @Test
    void anInvitationExpiresByTheClock() {
        String token = Fixtures.invite(admin, "goneril@zulip.com");
        WebClient signedIn = browser();
        signedIn.login("iago@zulip.com", Fixtures.PASSWORD);

        TestKeydesk.CLOCK.advance(PeopleActions.INVITATION_LIFETIME.minus(MINUTE));
        assertEquals(200, browser().get("/invite/" + token).status(), "a minute left");
        assertTrue(signedIn.get("/users").text().contains("goneril@zulip.com"), "listed as pending");

        TestKeydesk.CLOCK.advance(MINUTE.multipliedBy(2));
        assertEquals(404, browser().get("/invite/" + token).status(), "expired a minute ago");
        assertFalse(signedIn.get("/users").text().contains("goneril@zulip.com"), "no longer pending");
        Page join = browser().post("/invite/" + token, Map.of("full_name", "Goneril",
                "password", Fixtures.PASSWORD, "password_confirm", Fixtures.PASSWORD));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE email = 'goneril@zulip.com'"), join.body());
    }

    @Test
    void aPasswordResetLinkExpiresByTheClock() {
        Fixtures.user("cordelia@zulip.com", "Cordelia", Role.MEMBER);
        WebClient visitor = browser();
        Page form = visitor.get("/accounts/password/reset");
        assertEquals(200, visitor.submit(form, "/accounts/password/reset", Map.of("email", "cordelia@zulip.com")).status());
        String body = Mails.body(Mails.await(keydesk.mail(), 1)[0]);
        Matcher link = Pattern.compile(Pattern.quote(keydesk.baseUrl()) + "(/accounts/password/reset/[A-Za-z0-9_-]{43})")
                .matcher(body);
        assertTrue(link.find(), body);
        String path = link.group(1);

        TestKeydesk.CLOCK.advance(Duration.ofMinutes(59));
        Page usable = visitor.get(path);
        assertEquals(200, usable.status(), "a minute left");

        TestKeydesk.CLOCK.advance(MINUTE.multipliedBy(2));
        assertEquals(404, visitor.get(path).status(), "expired a minute ago");
        Page set = visitor.submit(usable, path, Map.of("new_password", "a brand new passphrase",
                "new_password_confirm", "a brand new passphrase"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM password_resets WHERE used_at IS NOT NULL"), set.body());
        assertEquals(200, browser().login("cordelia@zulip.com", Fixtures.PASSWORD).status());
    }

    @Test
    void thePasswordReentryWindowEndsByTheClock() {
        WebClient browser = browser();
        Page account = browser.login("iago@zulip.com", Fixtures.PASSWORD);
        Page prompt = browser.submit(account, "/account/api-key", Map.of());
        Page revealed = browser.submit(prompt, "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, revealed.status(), revealed.body());
        String key = Fixtures.keyOf(admin);

        TestKeydesk.CLOCK.advance(Session.REAUTH_WINDOW.minus(MINUTE));
        Page within = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(revealed)));
        assertEquals(200, within.status(), "a minute left");
        assertTrue(within.body().contains(key));

        TestKeydesk.CLOCK.advance(MINUTE.multipliedBy(2));
        Page after = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(revealed)));
        assertEquals(403, after.status(), "the window closed a minute ago");
        assertFalse(after.body().contains(key));
    }

    @Test
    void aKeysLastUseAndALastLoginAreTheClocksTime() {
        TestKeydesk.CLOCK.advance(Duration.ofDays(3));
        String key = Fixtures.keyOf(admin);
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("iago@zulip.com", key)).status());
        // Written a moment later by the usage writer; at the real time it would be three days behind.
        Wait.until("the key's use is recorded at the clock's time", Duration.ofSeconds(15), () -> Fixtures.count(
                "SELECT count(*) FROM api_keys WHERE last_used_at > now() + interval '2 days'") == 1);
        Wait.until("the address it was used from is recorded at the clock's time", Duration.ofSeconds(15), () -> Fixtures.count(
                "SELECT count(*) FROM api_key_addresses WHERE last_used_at > now() + interval '2 days'") == 1);

        assertEquals("/account", browser().login("iago@zulip.com", Fixtures.PASSWORD).uri().getPath());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE last_login_at > now() + interval '2 days'"),
                "the Users page's last login is the clock's time too");
    }

    @Test
    void anIdleSessionEndsByTheClock() {
        WebClient browser = browser();
        assertEquals("/account", browser.login("iago@zulip.com", Fixtures.PASSWORD).uri().getPath());

        // Each visit within the idle limit restarts it, at the clock's time.
        TestKeydesk.CLOCK.advance(SessionStore.IDLE_EXPIRY.minus(MINUTE));
        assertEquals("/account", browser.get("/account").uri().getPath(), "a minute left");
        TestKeydesk.CLOCK.advance(SessionStore.IDLE_EXPIRY.minus(MINUTE));
        assertEquals("/account", browser.get("/account").uri().getPath(), "last seen a minute short of the limit ago");

        TestKeydesk.CLOCK.advance(SessionStore.IDLE_EXPIRY.plus(MINUTE));
        assertEquals("/login", browser.get("/account").uri().getPath(), "idle for longer than the limit");
    }
}
