package dev.keydesk.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Account & privacy page driven over HTTP without JavaScript, parsed with jsoup. */
@IntegrationTest
class AccountPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private WebClient browser;
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user("iago@zulip.com", "Iago", Role.MEMBER);
        browser = new WebClient(keydesk.baseUrl());
    }

    private Page loggedInAccountPage() {
        Page page = browser.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, page.status());
        assertEquals("Account & privacy", page.doc().selectFirst("h1").text());
        return page;
    }

    /** "Manage your API key" → password → "Get API key", as plain forms. */
    private Page revealKey() {
        Page account = loggedInAccountPage();
        Page prompt = browser.submit(account, "/account/api-key", Map.of());
        assertEquals(200, prompt.status());
        Page revealed = browser.submit(prompt, "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, revealed.status(), revealed.body());
        return revealed;
    }

    private static String shownKey(Page page) {
        var input = page.doc().selectFirst("#api-key-value");
        return input == null ? null : input.attr("value");
    }

    @Test
    void accountPageShowsEmailAndNameAndTheManageButton() {
        Page page = loggedInAccountPage();
        assertEquals("iago@zulip.com", page.doc().selectFirst("#profile-email").text());
        assertEquals("Iago", page.doc().selectFirst("#profile-name").text());
        assertNotNull(page.doc().selectFirst("button:containsOwn(Manage your API key)"));
        assertNull(shownKey(page), "the key must not be shown before the password is entered");
        assertFalse(page.body().contains(Fixtures.keyOf(iago)));
    }

    @Test
    void getApiKeyShowsTheKeyWithNoStore() {
        Page revealed = revealKey();
        assertEquals(Fixtures.keyOf(iago), shownKey(revealed));
        assertEquals("no-store", revealed.header("Cache-Control"));
        assertNotNull(revealed.doc().selectFirst("button:containsOwn(Copy API key)"));
        assertNotNull(revealed.doc().selectFirst("button:containsOwn(Generate new API key)"));
        assertNotNull(revealed.doc().selectFirst("button:containsOwn(Download zuliprc)"));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("api_key_revealed"));
    }

    @Test
    void passwordPromptOffersTheResetLink() {
        Page prompt = browser.submit(loggedInAccountPage(), "/account/api-key", Map.of());
        var link = prompt.doc().selectFirst("a:containsOwn(reset it)");
        assertNotNull(link);
        Page reset = browser.get(link.attr("href"));
        assertEquals(200, reset.status());
        assertNotNull(reset.doc().selectFirst("form[action=/accounts/password/reset] button:containsOwn(Send reset link)"));
    }

    @Test
    void wrongPasswordShowsAClearErrorAndIsAudited() {
        Page prompt = browser.submit(loggedInAccountPage(), "/account/api-key", Map.of());
        Page wrong = browser.submit(prompt, "/account/api-key", Map.of("password", "not my password"));
        assertEquals(400, wrong.status());
        assertTrue(wrong.doc().selectFirst("[role=alert]").text().contains("not right"));
        assertNull(shownKey(wrong));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("password_reentry_failed"));
    }

    @Test
    void wrongPasswordsCountAgainstTheLoginRateLimit() {
        Page prompt = browser.submit(loggedInAccountPage(), "/account/api-key", Map.of());
        for (int i = 0; i < 5; i++) {
            prompt = browser.submit(prompt, "/account/api-key", Map.of("password", "guess " + i));
            assertEquals(400, prompt.status());
        }
        Page limited = browser.submit(prompt, "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        assertEquals(429, limited.status());
        assertNull(shownKey(limited));
        // The same bound covers fetch_api_key.
        Http.Response api = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null);
        assertEquals(429, api.status());
    }

    @Test
    void generateNewApiKeyAsksForConfirmationFirst() {
        Page revealed = revealKey();
        String before = Fixtures.keyOf(iago);
        Page confirm = browser.submit(revealed, "/account/api-key/regenerate", Map.of());
        assertEquals(200, confirm.status());
        assertTrue(confirm.text().contains("logged out"), confirm.text());
        assertEquals(before, Fixtures.keyOf(iago), "nothing changes before confirmation");

        Page regenerated = browser.submit(confirm, "/account/api-key/regenerate", Map.of());
        assertEquals(200, regenerated.status());
        String after = shownKey(regenerated);
        assertNotEquals(before, after);
        assertEquals(Fixtures.keyOf(iago), after);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(401, Http.get(me, Http.basic("iago@zulip.com", before)).status());
        assertEquals(200, Http.get(me, Http.basic("iago@zulip.com", after)).status());
    }

    @Test
    void regeneratingLogsOutMobileDevices() {
        Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.1 (iOS 17)"));
        Page revealed = revealKey();
        assertTrue(revealed.text().contains("ZulipMobile"), "the device is listed");
        Page confirm = browser.submit(revealed, "/account/api-key/regenerate", Map.of());
        Page done = browser.submit(confirm, "/account/api-key/regenerate", Map.of());
        assertFalse(done.text().contains("ZulipMobile"), "the device is gone from the list");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
    }

    @Test
    void downloadZuliprcGivesTheFileWithTheKey() {
        Page revealed = revealKey();
        Page file = browser.submit(revealed, "/account/zuliprc", Map.of());
        assertEquals(200, file.status());
        assertEquals("attachment; filename=\"zuliprc\"", file.header("Content-Disposition"));
        assertEquals("no-store", file.header("Cache-Control"));
        String site = keydesk.primary().services().settings().site();
        assertEquals("[api]\nemail=iago@zulip.com\nkey=" + Fixtures.keyOf(iago) + "\nsite=" + site + "\n", file.body());
    }

    @Test
    void keyActionsNeedAPasswordWithinTheLastFiveMinutes() {
        Page revealed = revealKey();
        String before = Fixtures.keyOf(iago);
        Fixtures.execute("UPDATE sessions SET reauthenticated_at = now() - interval '6 minutes'");
        Page regenerate = browser.post("/account/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(revealed), "confirmed", "yes"));
        assertEquals(403, regenerate.status());
        assertNotNull(regenerate.doc().selectFirst("input[name=password]"), "asks for the password again");
        assertEquals(before, Fixtures.keyOf(iago));
        Page download = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(revealed)));
        assertEquals(403, download.status());
        assertFalse(download.body().contains(before));
    }

    @Test
    void loggingInIsNotAPasswordReentry() {
        Page account = loggedInAccountPage();
        Page download = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(account)));
        assertEquals(403, download.status());
        assertFalse(download.body().contains(Fixtures.keyOf(iago)));
        Page regenerate = browser.post("/account/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(account), "confirmed", "yes"));
        assertEquals(403, regenerate.status());
    }

    @Test
    void stateChangesWithoutTheCsrfTokenAreRefused() {
        Page revealed = revealKey();
        String before = Fixtures.keyOf(iago);
        Page regenerate = browser.post("/account/api-key/regenerate", Map.of("confirmed", "yes"));
        assertEquals(403, regenerate.status());
        Page forged = browser.post("/account/api-key/regenerate", Map.of("confirmed", "yes", "csrf_token", "forged"));
        assertEquals(403, forged.status());
        assertEquals(before, Fixtures.keyOf(iago));

        Page download = browser.post("/account/zuliprc", Map.of());
        assertEquals(403, download.status());
        assertFalse(download.body().contains(before));

        long sessions = Fixtures.count("SELECT count(*) FROM sessions");
        assertEquals(403, browser.post("/logout", Map.of()).status());
        assertEquals(sessions, Fixtures.count("SELECT count(*) FROM sessions"));

        assertEquals(403, browser.post("/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "a brand new password", "new_password_confirm", "a brand new password")).status());
        assertEquals(403, new WebClient(keydesk.baseUrl()).post("/login",
                Map.of("email", "iago@zulip.com", "password", Fixtures.PASSWORD)).status());
        assertTrue(WebClient.csrf(revealed).length() > 20);
    }

    @Test
    void markupInNamesIsEscaped() {
        Fixtures.user("mallory@zulip.com", "<script>alert(1)</script>", Role.MEMBER);
        Page page = browser.login("mallory@zulip.com", Fixtures.PASSWORD);
        assertEquals("<script>alert(1)</script>", page.doc().selectFirst("#profile-name").text());
        assertTrue(page.body().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertFalse(page.body().contains("<script>alert(1)</script>"));
        assertTrue(page.doc().select("script").stream().allMatch(s -> s.hasAttr("src")), "no inline script at all");
    }

    @Test
    void everyPageCarriesTheSecurityHeaders() {
        for (Page page : new Page[] {browser.get("/login"), loggedInAccountPage(), browser.get("/no/such/page")}) {
            String csp = page.header("Content-Security-Policy");
            assertNotNull(csp);
            assertTrue(csp.contains("frame-ancestors 'none'"));
            assertTrue(csp.contains("script-src 'self'"));
            assertFalse(csp.contains("unsafe-inline"));
            assertEquals("nosniff", page.header("X-Content-Type-Options"));
            assertEquals("same-origin", page.header("Referrer-Policy"));
            assertEquals("no-store", page.header("Cache-Control"));
        }
    }

    @Test
    void sessionCookieIsHttpOnlyAndLax() {
        var page = Http.postForm(keydesk.baseUrl() + "/login", Map.of(), null);
        assertEquals(403, page.status(), "no form token, no login");
        WebClient raw = new WebClient(keydesk.baseUrl());
        Page login = raw.get("/login");
        var response = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(keydesk.baseUrl() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "keydesk_csrf=" + raw.cookie("keydesk_csrf"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Http.urlencode(Map.of(
                        "csrf_token", WebClient.csrf(login), "email", "iago@zulip.com", "password", Fixtures.PASSWORD))))
                .build());
        assertEquals(303, response.status());
        String cookie = response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("keydesk_session=")).findFirst().orElseThrow();
        assertTrue(cookie.contains("HttpOnly"));
        assertTrue(cookie.contains("SameSite=Lax"));
        assertFalse(cookie.contains("Secure"), "plain http external URL");
    }

    @Test
    void pagesNeedLoginAndLogoutEndsTheSession() {
        Page anonymous = new WebClient(keydesk.baseUrl()).get("/account");
        assertEquals("Log in", anonymous.doc().selectFirst("h1").text());
        Page account = loggedInAccountPage();
        Page out = browser.submit(account, "/logout", Map.of());
        assertEquals("Log in", out.doc().selectFirst("h1").text());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM sessions"));
        assertEquals("Log in", browser.get("/account").doc().selectFirst("h1").text());
    }

    @Test
    void wrongLoginSaysTheSameForUnknownAccounts() {
        Page wrong = browser.login("iago@zulip.com", "not the password");
        Page unknown = new WebClient(keydesk.baseUrl()).login("nobody@zulip.com", "not the password");
        Page malformed = new WebClient(keydesk.baseUrl()).login("x".repeat(5000), "not the password");
        assertEquals(401, wrong.status());
        assertEquals(401, unknown.status());
        assertEquals(401, malformed.status());
        assertEquals(wrong.doc().selectFirst("[role=alert]").text(), unknown.doc().selectFirst("[role=alert]").text());
        assertEquals(wrong.doc().selectFirst("[role=alert]").text(), malformed.doc().selectFirst("[role=alert]").text());
    }

    @Test
    void loginRedirectsOnlyToLocalPaths() {
        Page page = browser.get("/login?next=https://evil.example/");
        assertEquals("/account", page.doc().selectFirst("input[name=next]").attr("value"));
    }

    @Test
    void changingThePasswordEndsOtherSessions() {
        WebClient laptop = new WebClient(keydesk.baseUrl());
        laptop.login("iago@zulip.com", Fixtures.PASSWORD);
        Page account = loggedInAccountPage();
        assertEquals(2, Fixtures.count("SELECT count(*) FROM sessions"));

        Page mismatch = browser.submit(account, "/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "new password one", "new_password_confirm", "new password two"));
        assertEquals(400, mismatch.status());
        Page wrongCurrent = browser.submit(account, "/account/password", Map.of("current_password", "wrong",
                "new_password", "new password one", "new_password_confirm", "new password one"));
        assertEquals(400, wrongCurrent.status());
        Page tooShort = browser.submit(account, "/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "short", "new_password_confirm", "short"));
        assertEquals(400, tooShort.status());
        assertEquals(2, Fixtures.count("SELECT count(*) FROM sessions"));

        Page changed = browser.submit(account, "/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "new password one", "new_password_confirm", "new password one"));
        assertEquals(200, changed.status());
        assertTrue(changed.doc().selectFirst(".flash").text().contains("password has been changed"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM sessions"));
        assertEquals("Log in", laptop.get("/account").doc().selectFirst("h1").text());
        assertEquals(200, new WebClient(keydesk.baseUrl()).login("iago@zulip.com", "new password one").status());
        assertTrue(Fixtures.auditEvents(iago.id()).contains("password_changed"));
    }

    private String fetchDeviceKey(String userAgent) {
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null, Map.of("User-Agent", userAgent));
        assertEquals(200, r.status(), r.body());
        return r.json().get("api_key").asText();
    }

    private static Http.Response forwardAuth(String base, String serviceToken, String key) {
        return Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/forward-auth"))
                .header("X-Keydesk-Service-Token", serviceToken)
                .header("Authorization", Http.basic("iago@zulip.com", key)).GET().build());
    }

    /**
     * A password changed because it got out must not leave behind the keys fetched with it: every
     * device is logged out (in every process, through forward-auth too), the main key stays, the
     * form says so beforehand and the notice after says how many.
     */
    @Test
    void changingThePasswordLogsOutEveryDeviceButKeepsTheMainKey() throws Exception {
        String phone = fetchDeviceKey("ZulipMobile/27.1 (iOS 17)");
        String terminal = fetchDeviceKey("ZulipTerminal/0.7.0");
        String mainKey = Fixtures.keyOf(iago);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        String service = Fixtures.service("Grafana", dev.keydesk.guard.Access.EVERYONE).token();
        for (String key : new String[] {phone, terminal, mainKey}) {
            assertEquals(200, Http.get(me, Http.basic("iago@zulip.com", key)).status());
            assertEquals(200, forwardAuth(keydesk.secondaryUrl(), service, key).status(), "cached by the other process");
        }

        Page account = loggedInAccountPage();
        String before = account.doc().selectFirst("#password-change-effects").text();
        assertTrue(before.contains("every device logged in with your API key (2 now, listed above)"), before);
        Page changed = browser.submit(account, "/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "new password one", "new_password_confirm", "new password one"));
        assertEquals(200, changed.status(), changed.body());
        String notice = changed.doc().selectFirst(".flash").text();
        assertTrue(notice.contains("2 devices were logged out"), notice);
        assertTrue(changed.doc().select("#devices td").isEmpty(), "no device is listed any more");

        for (String key : new String[] {phone, terminal}) {
            assertEquals(401, Http.get(me, Http.basic("iago@zulip.com", key)).status(), "a device's key");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (forwardAuth(keydesk.secondaryUrl(), service, key).status() != 401) {
                if (System.nanoTime() > deadline) throw new AssertionError("the other process still lets a device's key through");
                Thread.sleep(10);
            }
        }
        assertEquals(200, Http.get(me, Http.basic("iago@zulip.com", mainKey)).status(), "the main key stays");
        assertEquals(200, forwardAuth(keydesk.secondaryUrl(), service, mainKey).status());
        assertEquals(mainKey, Fixtures.keyOf(iago));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND revoked_at IS NULL"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'devices_logged_out' "
                + "AND target_user_id = " + iago.id() + " AND details ->> 'devices' = '2'"));

        // With no device left, the next change says so.
        Page again = browser.submit(changed, "/account/password", Map.of("current_password", "new password one",
                "new_password", "new password two", "new_password_confirm", "new password two"));
        assertTrue(again.doc().selectFirst(".flash").text().contains("No device was logged in"),
                again.doc().selectFirst(".flash").text());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'devices_logged_out'"),
                "nothing logged out, nothing recorded");
    }

    @Test
    void getApiKeyAnswersWithARedirectSoReloadingResendsNothing() throws Exception {
        Page prompt = browser.submit(loggedInAccountPage(), "/account/api-key", Map.of());
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(keydesk.baseUrl() + "/account/api-key"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Cookie", "keydesk_session=" + browser.cookie("keydesk_session"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Http.urlencode(Map.of(
                                "csrf_token", WebClient.csrf(prompt), "password", Fixtures.PASSWORD))))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(303, answer.statusCode(), answer.body());
        assertEquals("/account/api-key/shown", answer.headers().firstValue("Location").orElse(""));
        assertFalse(answer.body().contains(Fixtures.keyOf(iago)), "the key is not in the redirect");

        Page shown = browser.get("/account/api-key/shown");
        assertEquals(Fixtures.keyOf(iago), shownKey(shown));
        assertEquals("no-store", shown.header("Cache-Control"));
        assertEquals(Fixtures.keyOf(iago), shownKey(browser.get("/account/api-key/shown")), "reloading shows it again");

        Fixtures.member("cordelia@zulip.com");
        WebClient stranger = new WebClient(keydesk.baseUrl());
        stranger.login("cordelia@zulip.com", Fixtures.PASSWORD);
        Page notReauthenticated = stranger.get("/account/api-key/shown");
        assertEquals(200, notReauthenticated.status());
        assertNull(shownKey(notReauthenticated), "without a recent password, the prompt instead");
        assertNotNull(notReauthenticated.doc().selectFirst("#reauth-password"));
    }

    @Test
    void generatingANewKeyAlsoEndsOnAPageThatReloadsSafely() {
        Page revealed = revealKey();
        String before = shownKey(revealed);
        Page done = browser.submit(browser.submit(revealed, "/account/api-key/regenerate", Map.of()),
                "/account/api-key/regenerate", Map.of());
        String after = shownKey(done);
        assertNotEquals(before, after);
        assertTrue(done.doc().selectFirst("#api-key .notice").text().startsWith("Your new API key is ready."));
        Page reloaded = browser.get("/account/api-key/shown");
        assertEquals(after, shownKey(reloaded), "reloading shows the same new key and generates nothing");
        assertNull(reloaded.doc().selectFirst("#api-key .notice"), "the notice was shown once");
    }
}
