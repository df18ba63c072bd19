package dev.keydesk.account;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.BotActions;
import dev.keydesk.factor.SignInSecurityRoutes;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.TestTotp;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proof before keys everywhere but Account &amp; privacy, over real HTTP and parsed with jsoup:
 * an account with an authenticator app is sent to the one step-up page (a wrong code refused, a
 * right one good for five minutes, then asked again), the key never reaches a page before it, and
 * an account with only a password sees everything as before.
 */
@IntegrationTest
class StepUpTest {
    private static final String EMAIL = "iago@zulip.com";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private BotActions.Created bot;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user(EMAIL, "Iago", Role.ADMIN);
        bot = Fixtures.bot(iago, "Deploy bot");
    }

    @AfterEach
    void backToRealTime() {
        TestKeydesk.CLOCK.reset();
    }

    private String botKey() {
        return Fixtures.keyOf(bot.bot().id());
    }

    private long botId() {
        return bot.bot().id();
    }

    /** Signs in with the password and sets up the authenticator app on the page; returns the app's secret. */
    private static String enroll(WebClient browser) {
        Page account = browser.login(EMAIL, Fixtures.PASSWORD);
        assertEquals(200, account.status(), account.body());
        Page security = browser.get(SignInSecurityRoutes.PAGE);
        Page started = browser.submit(security, "/account/sign-in-security/authenticator", Map.of());
        String secret = started.doc().selectFirst("#totp-secret").text();
        long step = TestTotp.alignToNextStep();
        Page confirmed = browser.submit(started, "/account/sign-in-security/authenticator/confirm",
                Map.of("code", TestTotp.code(secret, step)));
        assertEquals(200, confirmed.status(), confirmed.body());
        // The code that confirmed the app is spent: the next proof needs the next step's.
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        return secret;
    }

    /** A browser signed in to an account with an app, whose session has given no proof yet. */
    private record WithApp(WebClient browser, String secret) {
        String code() {
            return TestTotp.code(secret, TestTotp.stepNow());
        }
    }

    private WithApp withApp() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        String secret = enroll(browser);
        assertNull(reauthenticatedAt(), "setting up the app is not a proof before keys");
        return new WithApp(browser, secret);
    }

    private static Object reauthenticatedAt() {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT max(reauthenticated_at) FROM sessions").mapTo(java.time.OffsetDateTime.class).findOne().orElse(null));
    }

    private static String encoded(String path) {
        return URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    /** The step-up page, where the browser was sent, asking for a code and going back to {@code returnTo}. */
    private static void assertStepUpPage(Page page, String returnTo) {
        assertEquals(200, page.status(), page.body());
        assertEquals(StepUpRoutes.PATH, page.uri().getPath(), page.uri().toString());
        assertEquals(returnTo, page.doc().selectFirst("form[action=/step-up] input[name=return_to]").attr("value"));
        assertNotNull(page.doc().selectFirst("input[name=code]"), "asks for a code: " + page.body());
        assertNull(page.doc().selectFirst("input[name=password]"), "not the password");
    }

    @Test
    void theBotPageAsksForACodeBeforeItsKeyAndAsksAgainAfterFiveMinutes() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        String key = botKey();

        Page details = browser.get("/bots/" + botId());
        assertEquals(200, details.status(), details.body());
        assertFalse(details.body().contains(key), "the key is not in the page before the proof");
        assertNull(details.doc().selectFirst("#bot-api-key"));
        assertNull(details.doc().selectFirst("#bot-zuliprc"));
        Element show = details.doc().selectFirst("#api-key-step-up a");
        assertEquals("/step-up?return_to=" + encoded("/bots/" + botId() + "#api-key"), show.attr("href"));
        assertEquals("Deploy bot", details.doc().selectFirst("h1").text(), "the rest of the page is there");

        Page asked = browser.get(show.attr("href"));
        assertStepUpPage(asked, "/bots/" + botId() + "#api-key");
        assertFalse(asked.body().contains(key));

        Page wrong = browser.submit(asked, "/step-up", Map.of("code", TestTotp.wrongCode(app.secret(), TestTotp.stepNow())));
        assertEquals(400, wrong.status());
        assertTrue(wrong.doc().selectFirst("p.error").text().contains("That code is not right"), wrong.body());
        assertFalse(wrong.body().contains(key));
        assertFalse(browser.get("/bots/" + botId()).body().contains(key), "a wrong code shows nothing");
        assertTrue(Fixtures.auditEvents(iago.id()).contains("second_factor_failed"));

        Page shown = browser.submit(wrong, "/step-up", Map.of("code", app.code()));
        assertEquals(200, shown.status(), shown.body());
        assertEquals("/bots/" + botId(), shown.uri().getPath());
        assertEquals(key, shown.doc().selectFirst("#bot-api-key").attr("value"));
        assertTrue(shown.doc().selectFirst("#bot-zuliprc").text().contains("key=" + key));
        assertEquals("no-store", shown.header("Cache-Control"));

        // Within five minutes nothing is asked again; after them, the key is hidden until the next proof.
        TestKeydesk.CLOCK.advance(Duration.ofMinutes(4));
        assertEquals(key, browser.get("/bots/" + botId()).doc().selectFirst("#bot-api-key").attr("value"));
        TestKeydesk.CLOCK.advance(Duration.ofMinutes(1).plusSeconds(1));
        Page later = browser.get("/bots/" + botId());
        assertFalse(later.body().contains(key), "asked again after five minutes");
        assertNotNull(later.doc().selectFirst("#api-key-step-up"));
    }

    @Test
    void theZuliprcDownloadAndGenerateNewApiKeyWaitForTheProof() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        String key = botKey();

        Page download = browser.get("/bots/" + botId() + "/zuliprc");
        assertStepUpPage(download, "/bots/" + botId() + "/zuliprc");
        assertFalse(download.body().contains(key));

        Page details = browser.get("/bots/" + botId());
        Page regenerate = browser.post("/bots/" + botId() + "/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(details), "confirmed", "yes"));
        assertStepUpPage(regenerate, "/bots/" + botId() + "#api-key");
        assertEquals(key, botKey(), "no new key without the proof");

        // The proof brings the download back, as a file.
        Page file = browser.submit(download, "/step-up", Map.of("code", app.code()));
        assertEquals(200, file.status(), file.body());
        assertTrue(file.body().contains("key=" + key), file.body());

        Page again = browser.post("/bots/" + botId() + "/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(details), "confirmed", "yes"));
        assertEquals(200, again.status(), again.body());
        assertFalse(key.equals(botKey()), "regenerated once the proof is fresh");
    }

    @Test
    void theStepUpFormNeedsItsFormToken() {
        WithApp app = withApp();
        Page asked = app.browser().get(StepUpRoutes.address("/bots"));
        assertEquals(403, app.browser().post("/step-up", Map.of("return_to", "/bots", "code", app.code())).status());
        assertEquals(403, app.browser().post("/step-up", Map.of("return_to", "/bots", "code", app.code(),
                "csrf_token", "forged")).status());
        assertNull(reauthenticatedAt(), "no proof counted");
        assertFalse(app.browser().get("/bots/" + botId()).body().contains(botKey()));
        assertEquals(200, asked.status());
    }

    @Test
    void returnToOnlyLeadsToThisSite() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        for (String target : new String[] {"https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
                "javascript:alert(1)", "evil.example", "/\r\nSet-Cookie:x=y", "/ /evil.example", "", "http:/evil.example"}) {
            Page page = browser.get("/step-up?return_to=" + encoded(target));
            assertEquals(400, page.status(), target + ": " + page.body());
            assertNull(page.doc().selectFirst("form[action=/step-up]"), target);
        }
        Page fine = browser.get(StepUpRoutes.address("/keys?q=deploy"));
        assertStepUpPage(fine, "/keys?q=deploy");
        // A forged form is refused the same way, even with a right code, and the code is not spent on it.
        Page posted = browser.post("/step-up", Map.of("csrf_token", WebClient.csrf(fine), "return_to", "//evil.example",
                "code", app.code()));
        assertEquals(400, posted.status());
        assertNull(reauthenticatedAt());
        Page done = browser.submit(fine, "/step-up", Map.of("code", app.code()));
        assertEquals("/keys", done.uri().getPath());
        assertEquals("q=deploy", done.uri().getQuery());

        // Once the proof is fresh, the page goes straight back, still only to this site.
        Page straight = browser.get(StepUpRoutes.address("/bots"));
        assertEquals("/bots", straight.uri().getPath());
        assertEquals(400, browser.get("/step-up?return_to=" + encoded("//evil.example")).status());
    }

    @Test
    void theKeysPageCopiesOnlyAfterTheProofAndHoldsNoKeyBeforeIt() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        String key = botKey();

        Page keys = browser.get("/keys");
        assertEquals(200, keys.status(), keys.body());
        assertFalse(keys.body().contains(key));
        Element copy = keys.doc().selectFirst("a[title=copy]");
        assertFalse(copy.hasAttr("data-copy-url"), "no fetch of the key before the proof");
        assertEquals(StepUpRoutes.address("/keys"), copy.attr("href"));

        Page token = browser.post("/keys/" + botId() + "/token", Map.of("csrf_token", WebClient.csrf(keys), "back", "/keys"));
        assertEquals(403, token.status());
        assertFalse(token.body().contains(key));
        assertEquals(StepUpRoutes.address("/keys"), token.header("X-Keydesk-Step-Up"));

        Page back = browser.submit(browser.get(copy.attr("href")), "/step-up", Map.of("code", app.code()));
        assertEquals("/keys", back.uri().getPath());
        assertEquals("/keys/" + botId() + "/token", back.doc().selectFirst("a[title=copy]").attr("data-copy-url"));
        Page copied = browser.post("/keys/" + botId() + "/token", Map.of("csrf_token", WebClient.csrf(back)));
        assertEquals(200, copied.status());
        assertEquals(key, copied.body());
    }

    @Test
    void generateNewApiKeyFromTheKeysPageWaitsForTheProofAndReturnsThere() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        String key = botKey();
        Page keys = browser.get("/keys?q=deploy");
        Page asked = browser.post("/bots/" + botId() + "/api-key/regenerate", Map.of("csrf_token", WebClient.csrf(keys),
                "confirmed", "yes", "back", "/keys?q=deploy"));
        assertStepUpPage(asked, "/keys?q=deploy");
        assertEquals(key, botKey());
        Page back = browser.submit(asked, "/step-up", Map.of("code", app.code()));
        assertEquals("/keys", back.uri().getPath());
        Page replaced = browser.post("/bots/" + botId() + "/api-key/regenerate", Map.of("csrf_token", WebClient.csrf(back),
                "confirmed", "yes", "back", "/keys?q=deploy"));
        assertEquals(200, replaced.status(), replaced.body());
        assertFalse(key.equals(botKey()));
    }

    @Test
    void findAKeyAsksBeforeTheKeyIsPastedAndBeforeItsResultsAndActions() {
        WithApp app = withApp();
        WebClient browser = app.browser();
        String key = botKey();

        Page lookup = browser.get("/keys/lookup");
        assertStepUpPage(lookup, "/keys/lookup");
        Page results = browser.post("/keys/lookup", Map.of("csrf_token", WebClient.csrf(lookup), "key", key));
        assertStepUpPage(results, "/keys/lookup");
        assertFalse(results.body().contains("Whose key it is"));
        long keyId = Fixtures.count("SELECT id FROM api_keys WHERE user_id = " + botId() + " AND kind = 'main' AND revoked_at IS NULL");
        Page block = browser.post("/keys/lookup/" + keyId + "/block", Map.of("csrf_token", WebClient.csrf(lookup),
                "confirmed", "yes"));
        assertStepUpPage(block, "/keys/lookup");
        Page replace = browser.post("/keys/lookup/" + keyId + "/replace", Map.of("csrf_token", WebClient.csrf(lookup),
                "confirmed", "yes"));
        assertStepUpPage(replace, "/keys/lookup");
        assertEquals(key, botKey());
        assertTrue(Fixtures.findBot(botId()).orElseThrow().isActive());
        assertFalse(Fixtures.auditEvents(botId()).contains("api_key_looked_up"));

        Page form = browser.submit(lookup, "/step-up", Map.of("code", app.code()));
        assertEquals("/keys/lookup", form.uri().getPath());
        Page found = browser.submit(form, "/keys/lookup", Map.of("key", key));
        assertEquals(200, found.status(), found.body());
        assertTrue(found.body().contains("Whose key it is"), found.body());
    }

    @Test
    void approvingADeviceWaitsForTheProofWithTheCodeKept() {
        Http.Response started = Http.postForm(keydesk.baseUrl() + "/api/v1/device_authorization",
                form("client", "ZulipTerminal"), null, Map.of("User-Agent", "ZulipTerminal/1.0 (Linux)"));
        assertEquals(200, started.status(), started.body());
        String userCode = started.json().get("user_code").asText();
        WithApp app = withApp();
        WebClient browser = app.browser();

        Page entry = browser.get("/device?user_code=" + userCode);
        assertStepUpPage(entry, "/device?user_code=" + userCode);
        Page approve = browser.post("/device/approve", Map.of("csrf_token", WebClient.csrf(entry), "user_code", userCode));
        assertStepUpPage(approve, "/device?user_code=" + userCode);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM device_authorizations WHERE status <> 'pending'"));

        Page filled = browser.submit(entry, "/step-up", Map.of("code", app.code()));
        assertEquals("/device", filled.uri().getPath());
        assertEquals(userCode, filled.doc().selectFirst("input[name=user_code]").attr("value"));
        Page review = browser.submit(filled, "/device", Map.of());
        Page approved = browser.submit(review, "/device/approve", Map.of());
        assertEquals(200, approved.status(), approved.body());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM device_authorizations WHERE status = 'approved'"));
    }

    @Test
    void anAccountWithOnlyAPasswordIsAskedNothingNewAnywhere() {
        Http.Response started = Http.postForm(keydesk.baseUrl() + "/api/v1/device_authorization",
                form("client", "ZulipTerminal"), null, Map.of("User-Agent", "ZulipTerminal/1.0 (Linux)"));
        String userCode = started.json().get("user_code").asText();
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(EMAIL, Fixtures.PASSWORD);
        String key = botKey();

        Page details = browser.get("/bots/" + botId());
        assertEquals(key, details.doc().selectFirst("#bot-api-key").attr("value"));
        assertNull(details.doc().selectFirst("#api-key-step-up"));
        assertTrue(browser.get("/bots/" + botId() + "/zuliprc").body().contains("key=" + key));

        Page keys = browser.get("/keys");
        assertEquals("/keys/" + botId() + "/token", keys.doc().selectFirst("a[title=copy]").attr("data-copy-url"));
        assertEquals(key, browser.post("/keys/" + botId() + "/token", Map.of("csrf_token", WebClient.csrf(keys))).body());

        Page lookup = browser.get("/keys/lookup");
        assertEquals("/keys/lookup", lookup.uri().getPath());
        assertTrue(browser.submit(lookup, "/keys/lookup", Map.of("key", key)).body().contains("Whose key it is"));

        Page review = browser.submit(browser.get("/device?user_code=" + userCode), "/device", Map.of());
        assertEquals(200, browser.submit(review, "/device/approve", Map.of()).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM device_authorizations WHERE status = 'approved'"));

        Page regenerated = browser.post("/bots/" + botId() + "/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(details), "confirmed", "yes"));
        assertEquals("/bots/" + botId(), regenerated.uri().getPath());
        assertFalse(key.equals(botKey()));
        assertNull(reauthenticatedAt(), "nothing was asked of it");
    }
}
