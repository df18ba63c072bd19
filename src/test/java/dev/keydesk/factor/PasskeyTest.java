package dev.keydesk.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.TestPasskey;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Passkeys over real HTTP with a software authenticator ({@link TestPasskey}) standing in for the
 * browser: registration, sign-in with a passkey alone and after the password, the step-up before
 * the API key, removal, and every answer that must be refused with a 4xx (a replayed, made-up or
 * expired challenge, another origin, a counter that does not grow, garbage).
 */
@IntegrationTest
class PasskeyTest {
    private static final String EMAIL = "iago@zulip.com";
    private static final String OPTIONS = "/account/sign-in-security/passkeys/options";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private String origin;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user(EMAIL, "Iago", Role.MEMBER);
        origin = keydesk.baseUrl();
    }

    /** Signs in with the password (unless already in) and adds {@code passkey} under {@code name}. */
    private Page register(WebClient browser, TestPasskey passkey, String name) {
        if (browser.cookie(WebSession.SESSION_COOKIE) == null) assertEquals(200, browser.login(EMAIL, Fixtures.PASSWORD).status());
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        String token = WebClient.csrf(security);
        Page options = browser.post(OPTIONS, Map.of("csrf_token", token));
        assertEquals(200, options.status(), options.body());
        Page added = browser.post("/account/sign-in-security/passkeys", Map.of("csrf_token", token, "name", name,
                "credential", passkey.register(options.body(), origin)));
        assertEquals(200, added.status(), added.body());
        return added;
    }

    private static String options(WebClient browser, String path, Page page) {
        Page options = browser.post(path, Map.of("csrf_token", WebClient.csrf(page)));
        assertEquals(200, options.status(), options.body());
        return options.body();
    }

    private static boolean signedIn(WebClient browser) {
        return browser.cookie(WebSession.SESSION_COOKIE) != null;
    }

    @Test
    void aRegisteredPasskeyIsListedAndKeptAsItsPublicKeyAndCounter() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page added = register(browser, new TestPasskey(), "Work laptop");
        assertEquals(SignInSecurityRoutes.PAGE, added.uri().getPath());
        assertEquals(List.of("Work laptop"), added.doc().select("#passkey-list tbody td:first-child").eachText());
        assertTrue(added.text().contains("The passkey was added"), added.text());
        assertEquals(1L, Fixtures.count("SELECT count(*) FROM passkeys WHERE user_id = " + iago.id()
                + " AND length(public_key) > 60 AND length(user_handle) = 32 AND sign_count = 0 AND last_used_at IS NULL"));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("passkey_added"));
        assertTrue(factors().hasSecondFactor(iago.id()));
        // The options name this server as the relying party, and exclude the passkey now registered.
        String next = options(browser, OPTIONS, added);
        var json = TestPasskey.parse(next);
        assertEquals("localhost", json.path("rp").path("id").asText());
        assertEquals(1, json.path("excludeCredentials").size());
        assertEquals("required", json.path("authenticatorSelection").path("residentKey").asText());
    }

    @Test
    void aPasskeySignsInOnItsOwnWithoutAnEmailAddressOrPassword() {
        TestPasskey passkey = new TestPasskey();
        register(new WebClient(keydesk.baseUrl()), passkey, "Phone");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page login = browser.get("/login?next=/bots");
        assertNotNull(login.doc().selectFirst("form#passkey-login button"), "the login page offers a passkey");
        var json = TestPasskey.parse(options(browser, "/login/passkey/options", login));
        assertEquals(0, json.path("allowCredentials").size(), "no account is named before the passkey is chosen");
        Page in = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(login), "next", "/bots",
                "credential", passkey.sign(json.toString(), origin)));
        assertEquals(200, in.status(), in.body());
        assertEquals("/bots", in.uri().getPath());
        assertTrue(signedIn(browser));
        assertEquals(1L, Fixtures.count("SELECT count(*) FROM passkeys WHERE sign_count = 1 AND last_used_at IS NOT NULL"));
    }

    @Test
    void afterThePasswordAPasskeyIsTheSecondStepAndNoSessionExistsBeforeIt() {
        TestPasskey passkey = new TestPasskey();
        register(new WebClient(keydesk.baseUrl()), passkey, "Phone");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page step = browser.login(EMAIL, Fixtures.PASSWORD);
        assertEquals("/login/code", step.uri().getPath());
        assertFalse(signedIn(browser));
        assertNotNull(step.doc().selectFirst("form[action=/login/code/passkey]"));
        assertNull(step.doc().selectFirst("input[name=code]"), "no authenticator app, so no code field");
        String options = options(browser, "/login/code/passkey/options", step);
        assertEquals(1, TestPasskey.parse(options).path("allowCredentials").size());
        Page in = browser.post("/login/code/passkey", Map.of("csrf_token", WebClient.csrf(step),
                "credential", passkey.sign(options, origin)));
        assertEquals(200, in.status(), in.body());
        assertEquals("/account", in.uri().getPath());
        assertTrue(signedIn(browser));
    }

    @Test
    void theSecondStepRefusesAnotherAccountsPasskey() {
        TestPasskey mine = new TestPasskey();
        register(new WebClient(keydesk.baseUrl()), mine, "Mine");
        Fixtures.user("othello@zulip.com", "Othello", Role.MEMBER);
        TestPasskey theirs = new TestPasskey();
        WebClient other = new WebClient(keydesk.baseUrl());
        assertEquals(200, other.login("othello@zulip.com", Fixtures.PASSWORD).status());
        Page security = other.get(SignInSecurityRoutes.PAGE);
        Page otherOptions = other.post(OPTIONS, Map.of("csrf_token", WebClient.csrf(security)));
        other.post("/account/sign-in-security/passkeys", Map.of("csrf_token", WebClient.csrf(security), "name", "Theirs",
                "credential", theirs.register(otherOptions.body(), origin)));

        WebClient browser = new WebClient(keydesk.baseUrl());
        Page step = browser.login(EMAIL, Fixtures.PASSWORD);
        String options = options(browser, "/login/code/passkey/options", step);
        Page refused = browser.post("/login/code/passkey", Map.of("csrf_token", WebClient.csrf(step),
                "credential", theirs.sign(options, origin)));
        assertEquals(401, refused.status(), refused.body());
        assertFalse(signedIn(browser));
    }

    @Test
    void aReplayedAMadeUpOrAnExpiredChallengeIsRefusedWithA400() {
        TestPasskey passkey = new TestPasskey();
        register(new WebClient(keydesk.baseUrl()), passkey, "Phone");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page login = browser.get("/login");
        String token = WebClient.csrf(login);
        String options = options(browser, "/login/passkey/options", login);
        String answer = passkey.sign(options, origin);
        Page first = browser.post("/login/passkey", Map.of("csrf_token", token, "credential", answer));
        assertEquals(200, first.status(), first.body());
        browser.post("/logout", Map.of("csrf_token", WebClient.csrf(first)));
        assertFalse(signedIn(browser));

        // The same answer again: its challenge was taken.
        Page replayed = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(browser.get("/login")),
                "credential", answer));
        assertEquals(400, replayed.status(), replayed.body());
        assertTrue(replayed.text().contains("expired or was already used"), replayed.text());
        assertFalse(signedIn(browser));

        // A challenge Keydesk never made, rightly signed.
        byte[] madeUp = new byte[32];
        new SecureRandom().nextBytes(madeUp);
        login = browser.get("/login");
        Page tampered = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(login),
                "credential", passkey.sign(TestPasskey.b64(madeUp), "localhost", origin, 50)));
        assertEquals(400, tampered.status(), tampered.body());
        assertFalse(signedIn(browser));

        // A challenge answered after its two minutes.
        String late = options(browser, "/login/passkey/options", login);
        TestKeydesk.CLOCK.advance(PasskeyActions.CHALLENGE_LIFETIME.plus(Duration.ofSeconds(1)));
        Page expired = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(login),
                "credential", passkey.sign(late, origin)));
        assertEquals(400, expired.status(), expired.body());
        assertFalse(signedIn(browser));

        List<String> events = Fixtures.auditEvents(iago.id());
        assertTrue(events.contains("passkey_added"), events.toString());
        assertEquals(3L, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'passkey_refused'"
                + " AND details->>'reason' = 'bad_challenge'"));
    }

    @Test
    void anAnswerForAnotherOriginOrGarbageIsRefusedWithA4xxNeverA500() {
        TestPasskey passkey = new TestPasskey();
        WebClient owner = new WebClient(keydesk.baseUrl());
        register(owner, passkey, "Phone");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page login = browser.get("/login");
        String token = WebClient.csrf(login);
        String options = options(browser, "/login/passkey/options", login);
        Page phished = browser.post("/login/passkey", Map.of("csrf_token", token,
                "credential", passkey.sign(options, "https://keydesk.example.net")));
        assertEquals(401, phished.status(), phished.body());
        assertEquals(1L, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'passkey_refused'"
                + " AND details->>'reason' = 'invalid'"));
        for (String garbage : List.of("{", "[]", "{\"id\":\"x\"}", "null", "x".repeat(40_000),
                "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"AA\","
                        + "\"authenticatorData\":\"AA\",\"signature\":\"AA\"},\"clientExtensionResults\":{}}")) {
            Page refused = browser.post("/login/passkey", Map.of("csrf_token", token, "credential", garbage));
            assertEquals(400, refused.status(), garbage + " → " + refused.body());
        }
        Page empty = browser.post("/login/passkey", Map.of("csrf_token", token));
        assertEquals(400, empty.status());
        assertTrue(empty.text().contains("needs JavaScript"), empty.text());
        assertFalse(signedIn(browser));

        // Registration: garbage, and an answer to a challenge already used.
        Page security = owner.get(SignInSecurityRoutes.PAGE);
        String sessionToken = WebClient.csrf(security);
        Page bad = owner.post("/account/sign-in-security/passkeys", Map.of("csrf_token", sessionToken, "name", "X",
                "credential", "{\"type\":\"public-key\"}"));
        assertEquals(400, bad.status(), bad.body());
        String creation = options(owner, OPTIONS, security);
        TestPasskey second = new TestPasskey();
        String answer = second.register(creation, origin);
        Page once = owner.post("/account/sign-in-security/passkeys", Map.of("csrf_token", sessionToken, "name", "Second",
                "credential", answer));
        assertEquals(200, once.status(), once.body());
        Page twice = owner.post("/account/sign-in-security/passkeys", Map.of("csrf_token", sessionToken, "name", "Again",
                "credential", answer));
        assertEquals(400, twice.status(), twice.body());
        Page nameless = owner.post("/account/sign-in-security/passkeys", Map.of("csrf_token", sessionToken, "name", " ",
                "credential", new TestPasskey().register(options(owner, OPTIONS, security), origin)));
        assertEquals(400, nameless.status(), nameless.body());
        assertEquals(2L, Fixtures.count("SELECT count(*) FROM passkeys"));
    }

    @Test
    void aCounterThatDoesNotGrowIsRefusedAsACopiedAuthenticatorWithAnAuditRow() {
        TestPasskey passkey = new TestPasskey();
        register(new WebClient(keydesk.baseUrl()), passkey, "Old phone");
        // The real authenticator has signed 41 times since; this copy still counts from where it was copied.
        Fixtures.execute("UPDATE passkeys SET sign_count = 41");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page login = browser.get("/login");
        String options = options(browser, "/login/passkey/options", login);
        Page refused = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(login),
                "credential", passkey.sign(options, origin)));
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.text().contains("signature counter did not go up"), refused.text());
        assertFalse(signedIn(browser));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("passkey_counter_refused"));
        assertEquals(41L, Fixtures.count("SELECT sign_count FROM passkeys"), "the stored counter stays where it was");

        // The authenticator that counted on is still accepted.
        passkey.signCount = 41;
        String again = options(browser, "/login/passkey/options", login);
        Page in = browser.post("/login/passkey", Map.of("csrf_token", WebClient.csrf(login),
                "credential", passkey.sign(again, origin)));
        assertEquals(200, in.status(), in.body());
        assertTrue(signedIn(browser));
    }

    @Test
    void aPasskeyIsAFreshProofBeforeTheApiKeyAndAPasswordOnlyAccountIsAskedAsBefore() {
        WebClient plain = new WebClient(keydesk.baseUrl());
        plain.login(EMAIL, Fixtures.PASSWORD);
        Page prompt = plain.get("/account/api-key");
        assertNotNull(prompt.doc().selectFirst("#reauth-password"));
        assertNull(prompt.doc().selectFirst("input[name=passkey]"), "no passkey, no passkey form");

        TestPasskey passkey = new TestPasskey();
        WebClient browser = new WebClient(keydesk.baseUrl());
        register(browser, passkey, "Phone");
        Page ask = browser.get("/account/api-key");
        assertNotNull(ask.doc().selectFirst("form[data-passkey] input[name=passkey]"));
        assertNotNull(ask.doc().selectFirst("#reauth-password"), "the password still works too");
        String options = options(browser, SignInSecurityRoutes.STEP_UP_OPTIONS, ask);
        Page wrongOrigin = browser.post("/account/api-key", Map.of("csrf_token", WebClient.csrf(ask),
                "passkey", passkey.sign(options, "http://127.0.0.1:1")));
        assertEquals(400, wrongOrigin.status());
        assertNull(wrongOrigin.doc().selectFirst("#api-key-value"));

        options = options(browser, SignInSecurityRoutes.STEP_UP_OPTIONS, ask);
        Page shown = browser.post("/account/api-key", Map.of("csrf_token", WebClient.csrf(ask),
                "passkey", passkey.sign(options, origin)));
        assertEquals(200, shown.status(), shown.body());
        assertEquals("/account/api-key/shown", shown.uri().getPath());
        assertEquals(Fixtures.keyOf(iago), shown.doc().selectFirst("#api-key-value").attr("value"));
    }

    @Test
    void removingAPasskeyAsksFirstAndTheLastSecondFactorTakesThePassword() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        register(browser, new TestPasskey(), "First");
        Page page = register(browser, new TestPasskey(), "Second");
        long first = Fixtures.count("SELECT id FROM passkeys WHERE name = 'First'");
        long second = Fixtures.count("SELECT id FROM passkeys WHERE name = 'Second'");
        String token = WebClient.csrf(page);

        Page ask = browser.post("/account/sign-in-security/passkeys/" + first + "/remove", Map.of("csrf_token", token));
        assertEquals(200, ask.status());
        assertTrue(ask.text().contains("Remove the passkey “First”?"), ask.text());
        assertNull(ask.doc().selectFirst("input[name=password]"), "another passkey remains: no password asked");
        Page removed = browser.post("/account/sign-in-security/passkeys/" + first + "/remove",
                Map.of("csrf_token", token, "confirmed", "yes"));
        assertEquals(200, removed.status());
        assertEquals(List.of("Second"), removed.doc().select("#passkey-list tbody td:first-child").eachText());

        Page askLast = browser.post("/account/sign-in-security/passkeys/" + second + "/remove", Map.of("csrf_token", token));
        assertNotNull(askLast.doc().selectFirst("input[name=password]"), "the last second factor asks for the password");
        Map<String, String> noPassword = new HashMap<>(Map.of("csrf_token", token, "confirmed", "yes"));
        assertEquals(400, browser.post("/account/sign-in-security/passkeys/" + second + "/remove", noPassword).status());
        noPassword.put("password", "not the password");
        assertEquals(400, browser.post("/account/sign-in-security/passkeys/" + second + "/remove", noPassword).status());
        assertEquals(1L, Fixtures.count("SELECT count(*) FROM passkeys"));
        noPassword.put("password", Fixtures.PASSWORD);
        Page gone = browser.post("/account/sign-in-security/passkeys/" + second + "/remove", noPassword);
        assertEquals(200, gone.status());
        assertEquals(0L, Fixtures.count("SELECT count(*) FROM passkeys"));
        assertEquals(2L, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'passkey_removed'"));
        assertEquals(404, browser.post("/account/sign-in-security/passkeys/" + second + "/remove", Map.of("csrf_token", token)).status());
        assertEquals(404, browser.post("/account/sign-in-security/passkeys/nope/remove", Map.of("csrf_token", token)).status());
    }

    @Test
    void aPasskeySatisfiesTheOwnersSecondFactorPolicy() {
        Fixtures.execute("UPDATE organizations SET second_factor_required = 'everyone'");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page sent = browser.login(EMAIL, Fixtures.PASSWORD);
        assertEquals(SignInSecurityRoutes.PAGE, sent.uri().getPath(), "without a second factor, only its setup opens");
        assertNotNull(sent.doc().selectFirst("form[data-passkey=create]"));
        register(browser, new TestPasskey(), "Phone");
        Page bots = browser.get("/bots");
        assertEquals("/bots", bots.uri().getPath());
        assertEquals(200, bots.status());
    }

    private SecondFactorActions factors() {
        return keydesk.primary().services().secondFactors();
    }
}
