package dev.keydesk.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.access.RouteAccess;
import dev.keydesk.audit.Actor;
import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.TestTotp;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The authenticator app and recovery codes over real HTTP (jsoup, no script), with codes the test
 * computes itself: setting up, the two-step sign-in (no session before the code), single use,
 * drift, guess limits, step-up before the API key, removal, and the owners' policy.
 */
@IntegrationTest
class SecondFactorTest {
    private static final String EMAIL = "iago@zulip.com";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user(EMAIL, "Iago", Role.MEMBER);
    }

    private SecondFactorActions factors() {
        return keydesk.primary().services().secondFactors();
    }

    /** What an authenticator app was given, and the recovery codes shown once. */
    private record Enrolled(String secret, List<String> recoveryCodes, Page page) {}

    /** Signs in with the password and sets up the authenticator app, as a person does on the page. */
    private Enrolled enroll(WebClient browser, String email) {
        if (browser.cookie(WebSession.SESSION_COOKIE) == null) {
            Page account = browser.login(email, Fixtures.PASSWORD);
            assertEquals(200, account.status(), account.body());
        }
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        // A setup already started (the policy test's sweep starts one) carries on where it is.
        Page started = security.doc().selectFirst("#totp-secret") != null ? security
                : browser.submit(security, "/account/sign-in-security/authenticator", Map.of());
        assertEquals(200, started.status(), started.body());
        String secret = started.doc().selectFirst("#totp-secret").text();
        long step = TestTotp.alignToNextStep();
        Page confirmed = browser.submit(started, "/account/sign-in-security/authenticator/confirm",
                Map.of("code", TestTotp.code(secret, step)));
        assertEquals(200, confirmed.status(), confirmed.body());
        List<String> codes = confirmed.doc().select("#recovery-code-list li code").eachText();
        // The code used to confirm is spent: the next sign-in needs the next step's.
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        return new Enrolled(secret, codes, confirmed);
    }

    /** The password step of signing in, which ends on the code page for an account with an app. */
    private static Page passwordStep(WebClient browser, String email) {
        Page codeStep = browser.login(email, Fixtures.PASSWORD);
        assertEquals(200, codeStep.status(), codeStep.body());
        assertEquals("/login/code", codeStep.uri().getPath());
        return codeStep;
    }

    @Test
    void setupShowsAQrCodeAndTheSecretAndKeepsOnlyCiphertextAndDigests() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(EMAIL, Fixtures.PASSWORD);
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        assertEquals(200, security.status());
        Page started = browser.submit(security, "/account/sign-in-security/authenticator", Map.of());
        assertNotNull(started.doc().selectFirst("svg.qr-code path"), "the QR code is drawn inline");
        String secret = started.doc().selectFirst("#totp-secret").text();
        String uri = started.doc().selectFirst("#totp-uri").text();
        assertTrue(uri.startsWith("otpauth://totp/") && uri.contains("secret=" + secret.replace(" ", ""))
                && uri.contains("algorithm=SHA1&digits=6&period=30"), uri);
        assertEquals("no-store", started.header("Cache-Control"));

        long step = TestTotp.alignToNextStep();
        Page wrong = browser.submit(started, "/account/sign-in-security/authenticator/confirm",
                Map.of("code", TestTotp.wrongCode(secret, step)));
        assertEquals(400, wrong.status());
        assertFalse(factors().hasAuthenticator(iago.id()), "a wrong code leaves the app off");

        Page confirmed = browser.submit(wrong, "/account/sign-in-security/authenticator/confirm",
                Map.of("code", TestTotp.code(secret, step)));
        assertEquals(200, confirmed.status(), confirmed.body());
        List<String> codes = confirmed.doc().select("#recovery-code-list li code").eachText();
        assertEquals(10, codes.size());
        assertTrue(factors().hasAuthenticator(iago.id()));

        // At rest: the secret only as ciphertext, the recovery codes only as digests.
        byte[] raw = TestTotp.decodeBase32(secret);
        String stored = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT encode(secret_ciphertext, 'hex') FROM totp_factors").mapTo(String.class).one());
        assertFalse(stored.contains(HexFormat.of().formatHex(raw)));
        assertFalse(stored.contains(HexFormat.of().formatHex(secret.replace(" ", "").getBytes(StandardCharsets.US_ASCII))));
        List<String> digests = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT encode(digest, 'escape') FROM recovery_codes").mapTo(String.class).list());
        assertEquals(10, digests.size());
        for (String code : codes) assertTrue(digests.stream().noneMatch(d -> d.contains(code.replace("-", ""))));

        List<String> events = Fixtures.auditEvents(iago.id());
        assertTrue(events.containsAll(List.of("second_factor_failed", "authenticator_added", "recovery_codes_generated")), events.toString());
        // The page shown afterwards no longer carries the secret or the codes.
        Page later = browser.get(SignInSecurityRoutes.PAGE);
        assertNull(later.doc().selectFirst("#totp-secret"));
        assertFalse(later.body().contains(codes.get(0)));
    }

    @Test
    void signingInAsksForTheCodeAndGivesNoSessionBeforeIt() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        long sessionsBefore = Fixtures.count("SELECT count(*) FROM sessions");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page codeStep = passwordStep(browser, EMAIL);
        assertNull(browser.cookie(WebSession.SESSION_COOKIE), "no session before the second step");
        String pendingCookie = browser.cookie(PendingSignIns.COOKIE);
        assertNotNull(pendingCookie);

        // The pending cookie opens no page, even sent to one by hand.
        Http.Response account = Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/account"))
                .header("Cookie", PendingSignIns.COOKIE + "=" + pendingCookie).GET().build());
        assertTrue(account.status() == 302 || account.status() == 303, "redirected away, not shown: " + account.status());
        assertTrue(account.headers().firstValue("Location").orElse("").startsWith("/login"));
        Http.Response asSession = Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/account"))
                .header("Cookie", WebSession.SESSION_COOKIE + "=" + pendingCookie).GET().build());
        assertTrue(asSession.headers().firstValue("Location").orElse("").startsWith("/login"));
        assertEquals(sessionsBefore, Fixtures.count("SELECT count(*) FROM sessions"));

        long step = TestTotp.stepNow();
        Page wrong = browser.submit(codeStep, "/login/code", Map.of("code", TestTotp.wrongCode(enrolled.secret(), step)));
        assertEquals(401, wrong.status());
        assertNull(browser.cookie(WebSession.SESSION_COOKIE));

        Page signedIn = browser.submit(wrong, "/login/code", Map.of("code", TestTotp.code(enrolled.secret(), step)));
        assertEquals(200, signedIn.status(), signedIn.body());
        assertEquals("/account", signedIn.uri().getPath());
        assertNotNull(browser.cookie(WebSession.SESSION_COOKIE));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM pending_sign_ins"), "the pending sign-in ends with it");

        // The pending sign-in is gone: the code page sends a visitor back to the password.
        Page again = browser.post("/login/code", Map.of("code", "123456", "csrf_token", WebClient.csrf(signedIn)));
        assertEquals(400, again.status());
    }

    @Test
    void aPendingSignInExpires() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page codeStep = passwordStep(browser, EMAIL);
        TestKeydesk.CLOCK.advance(PendingSignIns.LIFETIME.plusSeconds(1));
        Page late = browser.submit(codeStep, "/login/code", Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        assertEquals(400, late.status());
        assertNull(browser.cookie(WebSession.SESSION_COOKIE));
    }

    @Test
    void aCodeIsAcceptedOnceAndOneStepOfDriftEachWay() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        String s = enrolled.secret();
        long step = TestTotp.alignToNextStep();
        Actor actor = Actor.user(iago.id(), "192.0.2.7");
        var purpose = SecondFactorActions.Purpose.SIGN_IN;
        SecondFactorActions f = factors();

        assertEquals(new SecondFactorActions.Accepted(false), f.check(actor, iago, TestTotp.code(s, step - 1), "192.0.2.7", purpose, true));
        assertEquals(new SecondFactorActions.Accepted(false), f.check(actor, iago, TestTotp.code(s, step + 1), "192.0.2.7", purpose, true));
        // The same code again, and the current one (older than the last accepted): replays.
        assertEquals(new SecondFactorActions.Refused(true), f.check(actor, iago, TestTotp.code(s, step + 1), "192.0.2.7", purpose, true));
        assertEquals(new SecondFactorActions.Refused(true), f.check(actor, iago, TestTotp.code(s, step), "192.0.2.7", purpose, true));
        // Two steps away is outside the window either way.
        assertEquals(new SecondFactorActions.Refused(false), f.check(actor, iago, TestTotp.code(s, step - 2), "192.0.2.7", purpose, true));
        assertEquals(new SecondFactorActions.Refused(false), f.check(actor, iago, TestTotp.code(s, step + 2), "192.0.2.7", purpose, true));
        // A step later the same code is within one step, and accepted.
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        assertEquals(new SecondFactorActions.Accepted(false), f.check(actor, iago, TestTotp.code(s, step + 2), "192.0.2.7", purpose, true));
        List<String> events = Fixtures.auditEvents(iago.id());
        assertEquals(4, events.stream().filter("second_factor_failed"::equals).count(), events.toString());
    }

    @Test
    void guessesAreLimitedLikePasswords() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page page = passwordStep(browser, EMAIL);
        long step = TestTotp.alignToNextStep();
        int allowed = TestKeydesk.TUNING.loginLimits().perUsernameFromAddress();
        for (int i = 0; i < allowed; i++) {
            page = browser.submit(page, "/login/code", Map.of("code", TestTotp.wrongCode(enrolled.secret(), step)));
            assertEquals(401, page.status(), "guess " + (i + 1));
        }
        Page limited = browser.submit(page, "/login/code", Map.of("code", TestTotp.code(enrolled.secret(), step)));
        assertEquals(429, limited.status(), "over the limit even the right code waits");
        assertNotNull(limited.header("Retry-After"));
        assertNull(browser.cookie(WebSession.SESSION_COOKIE));
        long rateLimitedRows = Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'second_factor_failed'"
                + " AND details->>'reason' = 'rate_limited'");
        assertEquals(1, rateLimitedRows);
        // A right password does not reset the code's count: the limits are apart.
        assertEquals(429, browser.submit(passwordStep(browser, EMAIL), "/login/code",
                Map.of("code", TestTotp.code(enrolled.secret(), step))).status());
    }

    @Test
    void aRecoveryCodeSignsInOnceAndNewCodesReplaceAllTheOldOnes() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        List<String> codes = enrolled.recoveryCodes();

        WebClient first = new WebClient(keydesk.baseUrl());
        Page in = first.submit(passwordStep(first, EMAIL), "/login/code", Map.of("code", codes.get(0)));
        assertEquals("/account", in.uri().getPath(), in.body());

        WebClient second = new WebClient(keydesk.baseUrl());
        Page reused = second.submit(passwordStep(second, EMAIL), "/login/code", Map.of("code", codes.get(0)));
        assertEquals(401, reused.status(), "a recovery code works once");
        Page typedLoosely = second.submit(reused, "/login/code",
                Map.of("code", " " + codes.get(1).toUpperCase().replace("-", " ") + " "));
        assertEquals("/account", typedLoosely.uri().getPath(), typedLoosely.body());
        assertEquals(2, Fixtures.auditEvents(iago.id()).stream().filter("recovery_code_used"::equals).count());

        // New codes, after a code from the app: every old one stops working.
        Page security = second.get(SignInSecurityRoutes.PAGE);
        assertTrue(security.doc().selectFirst("#authenticator-status").text().contains("8 unused recovery codes"));
        Page regenerated = second.submit(security, "/account/sign-in-security/recovery-codes",
                Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        assertEquals(200, regenerated.status(), regenerated.body());
        List<String> fresh = regenerated.doc().select("#recovery-code-list li code").eachText();
        assertEquals(10, fresh.size());
        assertTrue(fresh.stream().noneMatch(codes::contains));

        WebClient third = new WebClient(keydesk.baseUrl());
        assertEquals(401, third.submit(passwordStep(third, EMAIL), "/login/code", Map.of("code", codes.get(2))).status());
        assertEquals("/account", third.submit(passwordStep(third, EMAIL), "/login/code", Map.of("code", fresh.get(0))).uri().getPath());
    }

    @Test
    void seeingTheApiKeyAsksForACodeOnceTheAccountHasAnApp() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page account = browser.submit(passwordStep(browser, EMAIL), "/login/code",
                Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        Page prompt = browser.submit(account, "/account/api-key", Map.of());
        assertNotNull(prompt.doc().selectFirst("form[action=/account/api-key] input[name=code]"));
        assertNull(prompt.doc().selectFirst("form[action=/account/api-key] input[name=password]"));

        // The password alone is no longer enough for this account.
        Page withPassword = browser.post("/account/api-key", Map.of("password", Fixtures.PASSWORD, "csrf_token", WebClient.csrf(prompt)));
        assertEquals(400, withPassword.status());
        assertNull(withPassword.doc().selectFirst("#api-key-value"));

        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        Page shown = browser.submit(prompt, "/account/api-key", Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        assertEquals(200, shown.status(), shown.body());
        assertEquals(Fixtures.keyOf(iago), shown.doc().selectFirst("#api-key-value").attr("value"));

        // It counts for five minutes, as the password does; then a code is asked again.
        TestKeydesk.CLOCK.advance(Duration.ofMinutes(5).plusSeconds(1));
        Page expired = browser.get("/account/api-key/shown");
        assertNull(expired.doc().selectFirst("#api-key-value"));
        assertNotNull(expired.doc().selectFirst("input[name=code]"));
    }

    @Test
    void loggingOutADeviceAsksForACodeOnceTheAccountHasAnApp() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        Http.Response fetched = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Map.of("username", EMAIL, "password", Fixtures.PASSWORD), null);
        assertEquals(200, fetched.status(), fetched.body());
        long deviceId = Fixtures.count("SELECT max(id) FROM devices");
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page account = browser.submit(passwordStep(browser, EMAIL), "/login/code",
                Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        String action = "/account/devices/" + deviceId + "/logout";
        Page question = browser.submit(account, action, Map.of());
        assertNotNull(question.doc().selectFirst("input[name=code]"));
        Page withPassword = browser.submit(question, action, Map.of("confirmed", "yes", "password", Fixtures.PASSWORD));
        assertEquals(400, withPassword.status(), "the password alone no longer suffices");
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        Page done = browser.submit(question, action, Map.of("confirmed", "yes", "code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        assertEquals("/account", done.uri().getPath(), done.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND revoked_at IS NULL"));
    }

    @Test
    void removingTheAppNeedsThePasswordOrACode() {
        Enrolled enrolled = enroll(new WebClient(keydesk.baseUrl()), EMAIL);
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page account = browser.submit(passwordStep(browser, EMAIL), "/login/code",
                Map.of("code", TestTotp.code(enrolled.secret(), TestTotp.stepNow())));
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        Page nothing = browser.submit(security, "/account/sign-in-security/authenticator/remove", Map.of());
        assertEquals(400, nothing.status());
        Page wrong = browser.submit(security, "/account/sign-in-security/authenticator/remove", Map.of("password", "not it"));
        assertEquals(400, wrong.status());
        assertTrue(factors().hasAuthenticator(iago.id()));

        Page removed = browser.submit(security, "/account/sign-in-security/authenticator/remove", Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, removed.status(), removed.body());
        assertTrue(removed.text().contains("The authenticator app and your recovery codes were removed"));
        assertFalse(factors().hasAuthenticator(iago.id()));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM recovery_codes"));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("authenticator_removed"));

        // Signing in is one step again.
        assertEquals("/account", new WebClient(keydesk.baseUrl()).login(EMAIL, Fixtures.PASSWORD).uri().getPath());
    }

    @Test
    void badInputIsA4xxNeverA500() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(EMAIL, Fixtures.PASSWORD);
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        String csrf = WebClient.csrf(security);
        assertEquals(400, browser.post("/account/sign-in-security/authenticator/confirm", Map.of("code", "123456", "csrf_token", csrf)).status(),
                "no setup was started");
        assertEquals(400, browser.post("/account/sign-in-security/authenticator/confirm", Map.of("csrf_token", csrf)).status());
        assertEquals(400, browser.post("/account/sign-in-security/recovery-codes", Map.of("code", "123456", "csrf_token", csrf)).status());
        assertEquals(400, browser.post("/account/sign-in-security/recovery-codes", Map.of("code", "x".repeat(5000), "csrf_token", csrf)).status());
        assertEquals(403, browser.post("/account/sign-in-policy", Map.of("policy", "everyone", "csrf_token", csrf)).status(),
                "a member may not set the policy");
        enroll(browser, EMAIL);
        assertEquals(400, browser.post("/account/sign-in-security/authenticator", Map.of("csrf_token", csrf)).status(),
                "a second app while one is on");
        WebClient visitor = new WebClient(keydesk.baseUrl());
        Page login = visitor.get("/login");
        assertEquals(400, visitor.post("/login/code", Map.of("code", "123456", "csrf_token", WebClient.csrf(login))).status());
        assertEquals("/login", visitor.get("/login/code").uri().getPath());
    }

    @Test
    void thePolicyLeadsACoveredPersonToSetUpBeforeAnyOtherPage() {
        User owner = Fixtures.user("desdemona@zulip.com", "Desdemona", Role.OWNER);
        WebClient ownerBrowser = new WebClient(keydesk.baseUrl());
        ownerBrowser.login(owner.email(), Fixtures.PASSWORD);
        Page security = ownerBrowser.get(SignInSecurityRoutes.PAGE);
        Page bad = ownerBrowser.submit(security, "/account/sign-in-policy", Map.of("policy", "some"));
        assertEquals(400, bad.status());
        Page changed = ownerBrowser.submit(security, "/account/sign-in-policy", Map.of("policy", "admins"));
        assertEquals(SignInSecurityRoutes.PAGE, changed.uri().getPath());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'second_factor_policy_changed'"));

        // A member is not covered by "administrators".
        assertEquals("/account", new WebClient(keydesk.baseUrl()).login(EMAIL, Fixtures.PASSWORD).uri().getPath());

        // The owner is: every page but setting up (and logging out, and static files) sends them there.
        String session = ownerBrowser.cookie(WebSession.SESSION_COOKIE);
        String csrf = WebClient.csrf(ownerBrowser.get(SignInSecurityRoutes.PAGE));
        List<String> checked = new ArrayList<>();
        for (Keydesk.Route route : keydesk.primary().routes()) {
            if (!Set.of(RouteAccess.SIGNED_IN, RouteAccess.ADMIN, RouteAccess.OWNER).contains(route.access())) continue;
            String path = route.path().replaceAll("\\{[^}]+}", "1");
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + path))
                    .header("Cookie", WebSession.SESSION_COOKIE + "=" + session);
            if (route.method().equals("GET")) {
                request.GET();
            } else {
                request.header("Content-Type", "application/x-www-form-urlencoded")
                        .method(route.method(), HttpRequest.BodyPublishers.ofString(Http.urlencode(Map.of("csrf_token", csrf))));
            }
            Http.Response answer = Http.send(request.build());
            String location = answer.headers().firstValue("Location").orElse("");
            String what = route.method() + " " + route.path() + " answered " + answer.status() + " " + location;
            if (SignInSecurityRoutes.SETUP_PATHS.contains(route.path())) {
                assertNotEquals(SignInSecurityRoutes.PAGE, location, what);
                assertTrue(answer.status() < 500, what);
            } else {
                assertEquals(303, answer.status(), what);
                assertEquals(SignInSecurityRoutes.PAGE, location, what);
            }
            checked.add(route.method() + " " + route.path());
        }
        assertTrue(checked.size() > 40, checked.toString());
        assertTrue(checked.containsAll(List.of("GET /account", "GET /keys", "POST /account/api-key", "GET /users",
                "POST /account/sign-in-policy")), checked.toString());
        // Nothing of the policy's own changed by those calls.
        assertEquals("admins", keydesk.primary().services().secondFactors().policy().dbName());
        assertEquals(200, Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/static/keydesk.css"))
                .header("Cookie", WebSession.SESSION_COOKIE + "=" + session).GET().build()).status());

        // The page says why, and once the app is set up every page opens again.
        Page required = ownerBrowser.get("/keys");
        assertEquals(SignInSecurityRoutes.PAGE, required.uri().getPath());
        assertNotNull(required.doc().selectFirst("#second-factor-required"));
        enroll(ownerBrowser, owner.email());
        assertEquals(200, ownerBrowser.get("/keys").status());
        assertEquals("/keys", ownerBrowser.get("/keys").uri().getPath());

        // Logging out still works for someone covered; their next sign-in is led to the setup page.
        User admin = Fixtures.user("othello@zulip.com", "Othello", Role.ADMIN);
        WebClient adminBrowser = new WebClient(keydesk.baseUrl());
        assertEquals(SignInSecurityRoutes.PAGE, adminBrowser.login(admin.email(), Fixtures.PASSWORD).uri().getPath());
        Page out = adminBrowser.submit(adminBrowser.get(SignInSecurityRoutes.PAGE), "/logout", Map.of());
        assertEquals("/login", out.uri().getPath());
        assertNull(adminBrowser.cookie(WebSession.SESSION_COOKIE));
    }
}
