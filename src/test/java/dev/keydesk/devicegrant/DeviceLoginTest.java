package dev.keydesk.devicegrant;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.Keydesk;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.User;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jsoup.nodes.Element;

/**
 * The device login end to end over real HTTP: a client asks for it and polls the token endpoint,
 * a person signs in to /device in a browser without JavaScript (cookies, form tokens), enters or
 * follows the code and approves or denies; the key that results works and is listed with the
 * account's devices. Time moves on the shared test clock, never by waiting.
 */
@IntegrationTest
class DeviceLoginTest {
    private static final Duration INTERVAL = Duration.ofSeconds(DeviceGrantActions.INTERVAL_SECONDS);

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
    }

    @AfterEach
    void backToRealTime() {
        TestKeydesk.CLOCK.reset();
    }

    private String api(String path) {
        return keydesk.baseUrl() + "/api/v1/" + path;
    }

    private JsonNode authorize(String client) {
        Http.Response r = Http.postForm(api("device_authorization"), form("client", client), null,
                Map.of("User-Agent", client + "/1.0 (Linux)"));
        assertEquals(200, r.status(), r.body());
        assertEquals("no-store", r.header("Cache-Control").orElse(""));
        return r.json();
    }

    private Http.Response poll(String deviceCode) {
        return Http.postForm(api("device_token"), form("grant_type", DeviceGrantApiRoutes.GRANT_TYPE,
                "device_code", deviceCode), null, Map.of("User-Agent", "ZulipTerminal/1.0 (Linux)"));
    }

    /** A poll a full interval after the last one, as a well-behaved client makes it. */
    private Http.Response pollOnTime(String deviceCode) {
        TestKeydesk.CLOCK.advance(INTERVAL);
        return poll(deviceCode);
    }

    private static void assertOAuthError(String error, Http.Response r) {
        assertEquals(400, r.status(), r.body());
        assertEquals(error, r.json().get("error").asText(), r.body());
        assertFalse(r.json().has("result"), "OAuth's error shape, not Zulip's: " + r.body());
    }

    private WebClient signedIn() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        return browser;
    }

    private static String pathOf(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static long count(String sql) {
        return Fixtures.count(sql);
    }

    private static String status(String deviceCodeClient) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT status FROM device_authorizations WHERE client = :c").bind("c", deviceCodeClient)
                .mapTo(String.class).one());
    }

    @Test
    void aClientPollsWhileAPersonApprovesItThroughTheDevicePage() {
        JsonNode started = authorize("ZulipTerminal");
        String deviceCode = started.get("device_code").asText();
        String userCode = started.get("user_code").asText();
        assertTrue(userCode.matches("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}"), userCode);
        String site = keydesk.primary().services().settings().site();
        assertEquals(site + "/device", started.get("verification_uri").asText());
        assertEquals(site + "/device?user_code=" + userCode, started.get("verification_uri_complete").asText());
        assertEquals(600, started.get("expires_in").asInt());
        assertEquals(5, started.get("interval").asInt());
        String stored = TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT row_to_json(d)::text FROM device_authorizations d").mapTo(String.class).one());
        assertFalse(stored.contains(deviceCode) || stored.contains(userCode) || stored.contains(userCode.replace("-", "")),
                "neither code is stored as it was handed out: " + stored);
        assertEquals(1, count("SELECT count(*) FROM device_authorizations WHERE user_code_digest = sha256(convert_to('"
                + userCode.replace("-", "") + "', 'UTF8')) AND device_code_digest = sha256(convert_to('" + deviceCode
                + "', 'UTF8'))"), "their digests are");

        assertOAuthError("authorization_pending", poll(deviceCode));

        // The person follows the device's link while signed out: after signing in, the code is still filled in.
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page login = browser.get(pathOf(started.get("verification_uri_complete").asText()));
        assertTrue(login.uri().getPath().equals("/login"), login.uri().toString());
        Page entry = browser.submit(login, "/login", Map.of("email", "iago@zulip.com", "password", Fixtures.PASSWORD));
        assertEquals("/device", entry.uri().getPath(), entry.uri().toString());
        assertEquals(userCode, entry.doc().selectFirst("input[name=user_code]").attr("value"));
        assertOAuthError("authorization_pending", pollOnTime(deviceCode));

        Page review = browser.submit(entry, "/device", Map.of());
        assertEquals(200, review.status(), review.body());
        assertEquals("ZulipTerminal", review.doc().selectFirst("#device-client").text());
        assertEquals("127.0.0.1", review.doc().selectFirst("#device-ip").text());
        assertTrue(review.text().contains("ZulipTerminal/1.0 (Linux)"), review.text());
        assertTrue(review.text().contains(userCode), "the code to compare with the device's");
        assertOAuthError("authorization_pending", pollOnTime(deviceCode));

        Page approved = browser.submit(review, "/device/approve", Map.of());
        assertEquals(200, approved.status(), approved.body());
        assertTrue(approved.doc().selectFirst("h1").text().contains("ZulipTerminal"), approved.text());
        assertTrue(approved.text().contains("You let ZulipTerminal at 127.0.0.1 sign in as you"), approved.text());

        Http.Response issued = pollOnTime(deviceCode);
        assertEquals(200, issued.status(), issued.body());
        assertEquals("success", issued.json().get("result").asText());
        assertEquals("iago@zulip.com", issued.json().get("email").asText());
        assertEquals(iago.id(), issued.json().get("user_id").asLong());
        assertEquals("no-store", issued.header("Cache-Control").orElse(""));
        String key = issued.json().get("api_key").asText();
        assertNotEquals(Fixtures.keyOf(iago), key, "a key of the device's own");

        Http.Response me = Http.get(api("users/me"), Http.basic("iago@zulip.com", key));
        assertEquals(200, me.status(), me.body());
        assertEquals(iago.id(), me.json().get("user_id").asLong());

        Element devices = browser.get("/account").doc().selectFirst("#devices");
        assertTrue(devices.text().contains("ZulipTerminal"), devices.text());
        assertEquals(1, devices.select("form[action^=/account/devices/]").size(), devices.html());

        assertOAuthError("invalid_grant", pollOnTime(deviceCode));
        assertEquals(List.of("device_login_approved", "device_key_issued"), Fixtures.auditEvents(iago.id()).stream()
                .filter(e -> e.startsWith("device_")).toList());
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE event_type = 'device_login_requested' "
                + "AND details ->> 'client' = 'ZulipTerminal' AND target_user_id IS NULL"));
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE event_type = 'device_key_issued' "
                + "AND details ->> 'purpose' = 'device_login'"));
    }

    @Test
    void aDeniedLoginGetsNoKey() {
        JsonNode started = authorize("ShadyTool");
        String deviceCode = started.get("device_code").asText();
        WebClient browser = signedIn();
        Page review = browser.submit(browser.get("/device"), "/device", Map.of("user_code", started.get("user_code").asText()));
        Page denied = browser.submit(review, "/device/deny", Map.of());
        assertEquals(200, denied.status(), denied.body());
        assertTrue(denied.text().contains("ShadyTool at 127.0.0.1 gets no key"), denied.text());

        assertOAuthError("access_denied", pollOnTime(deviceCode));
        assertOAuthError("access_denied", pollOnTime(deviceCode));
        assertEquals(0, count("SELECT count(*) FROM api_keys WHERE kind = 'device'"));
        assertEquals(List.of("device_login_denied"), Fixtures.auditEvents(iago.id()).stream()
                .filter(e -> e.startsWith("device_")).toList());
        // Decided is decided: approving the same code afterwards finds nothing waiting.
        Page late = browser.post("/device/approve", Map.of("csrf_token", WebClient.csrf(review),
                "user_code", started.get("user_code").asText()));
        assertEquals(400, late.status(), late.body());
        assertOAuthError("access_denied", pollOnTime(deviceCode));
    }

    @Test
    void codesExpireAfterTenMinutesByTheClockAndTheRetentionJobDeletesThem() {
        JsonNode started = authorize("ZulipTerminal");
        String deviceCode = started.get("device_code").asText();
        String userCode = started.get("user_code").asText();
        WebClient browser = signedIn();

        TestKeydesk.CLOCK.advance(DeviceGrantActions.LIFETIME.minusSeconds(5));
        assertOAuthError("authorization_pending", poll(deviceCode));
        Page review = browser.submit(browser.get("/device"), "/device", Map.of("user_code", userCode));
        assertEquals(200, review.status(), "still waiting a few seconds before the end");

        TestKeydesk.CLOCK.advance(Duration.ofSeconds(6));
        Page late = browser.submit(review, "/device/approve", Map.of());
        assertEquals(400, late.status(), late.body());
        assertTrue(late.text().contains(DeviceGrantRoutes.NOT_WAITING), late.text());
        assertOAuthError("expired_token", poll(deviceCode));
        assertEquals("pending", status("ZulipTerminal"));

        keydesk.primary().services().retention().sweep(TestKeydesk.CLOCK.instant()).orElseThrow();
        assertEquals(0, count("SELECT count(*) FROM device_authorizations"));
        assertOAuthError("invalid_grant", pollOnTime(deviceCode));
    }

    @Test
    void aRetentionSweepKeepsCodesThatStillWork() {
        authorize("ZulipTerminal");
        keydesk.primary().services().retention().sweep(TestKeydesk.CLOCK.instant()).orElseThrow();
        assertEquals(1, count("SELECT count(*) FROM device_authorizations"));
    }

    @Test
    void pollingFasterThanTheIntervalIsToldToSlowDownAndTheIntervalGrowsByFiveSeconds() {
        String deviceCode = authorize("Impatient").get("device_code").asText();
        assertOAuthError("authorization_pending", poll(deviceCode));
        assertOAuthError("slow_down", poll(deviceCode));
        assertEquals(10, count("SELECT interval_seconds FROM device_authorizations"));
        // Five seconds later is no longer enough: the interval is ten now.
        TestKeydesk.CLOCK.advance(INTERVAL);
        assertOAuthError("slow_down", poll(deviceCode));
        assertEquals(15, count("SELECT interval_seconds FROM device_authorizations"));
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(15));
        assertOAuthError("authorization_pending", poll(deviceCode));
        assertEquals(15, count("SELECT interval_seconds FROM device_authorizations"), "a poll on time leaves it");
    }

    @Test
    void aHundredParallelPollsAfterApprovalGetExactlyOneKey() throws Exception {
        JsonNode started = authorize("Racer");
        String deviceCode = started.get("device_code").asText();
        WebClient browser = signedIn();
        Page review = browser.submit(browser.get("/device"), "/device", Map.of("user_code", started.get("user_code").asText()));
        assertEquals(200, browser.submit(review, "/device/approve", Map.of()).status());
        TestKeydesk.CLOCK.advance(INTERVAL);

        ExecutorService pool = Executors.newFixedThreadPool(100);
        List<Future<Http.Response>> polls = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(100);
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int i = 0; i < 100; i++) {
                polls.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return poll(deviceCode);
                }));
            }
            assertTrue(ready.await(60, TimeUnit.SECONDS));
            go.countDown();
            Map<String, Integer> outcomes = new HashMap<>();
            List<String> keys = new ArrayList<>();
            for (Future<Http.Response> f : polls) {
                Http.Response r = f.get(120, TimeUnit.SECONDS);
                if (r.status() == 200) keys.add(r.json().get("api_key").asText());
                outcomes.merge(r.status() == 200 ? "key" : r.json().path("error").asText(r.status() + " " + r.body()), 1, Integer::sum);
            }
            assertEquals(Map.of("key", 1, "invalid_grant", 99), outcomes);
            Http.Response me = Http.get(api("users/me"), Http.basic("iago@zulip.com", keys.get(0)));
            assertEquals(200, me.status(), me.body());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, count("SELECT count(*) FROM api_keys WHERE kind = 'device'"));
        assertEquals(1, count("SELECT count(*) FROM devices"));
        assertEquals(1, count("SELECT count(*) FROM audit_log WHERE event_type = 'device_key_issued'"));
    }

    @Test
    void garbledAndUnknownCodesAreRefusedAndAnyCaseOrDashIsAccepted() {
        JsonNode started = authorize("ZulipTerminal");
        String userCode = started.get("user_code").asText();
        WebClient browser = signedIn();
        Page entry = browser.get("/device");
        for (String garbled : List.of("", "ABC", "AEIO-UAEI", "BCDF-GHJK-L", "BCDF GHJ1", "x".repeat(500))) {
            Page refused = browser.submit(entry, "/device", Map.of("user_code", garbled));
            assertEquals(400, refused.status(), garbled + ": " + refused.body());
            assertTrue(refused.text().contains(DeviceGrantRoutes.NOT_A_CODE), refused.text());
        }
        assertEquals(0, count("SELECT count(*) FROM rate_limit_buckets WHERE bucket LIKE 'device-code:%'"), "a string that cannot be a code is no guess");

        String other = userCode.equals("BBBB-BBBB") ? "CCCC-CCCC" : "BBBB-BBBB";
        Page unknown = browser.submit(entry, "/device", Map.of("user_code", other));
        assertEquals(400, unknown.status(), unknown.body());
        assertTrue(unknown.text().contains(DeviceGrantRoutes.NOT_WAITING), unknown.text());

        Page lenient = browser.submit(entry, "/device", Map.of("user_code", " " + userCode.replace("-", "").toLowerCase() + " "));
        assertEquals(200, lenient.status(), lenient.body());
        assertEquals(userCode, lenient.doc().selectFirst("form[action=/device/approve] input[name=user_code]").attr("value"));

        // A link's code is filled in as a code is shown, and nothing is looked up until the person continues.
        assertEquals("BCDF-GHJK", browser.get("/device?user_code=bcdfghjk").doc().selectFirst("input[name=user_code]").attr("value"));
    }

    @Test
    void aClientCannotTurnItsNameAroundWithBidirectionalControls() {
        Http.Response r = Http.postForm(api("device_authorization"), form("client", "\u202EkooLtsuJ\u2069"), null);
        WebClient browser = signedIn();
        Page review = browser.submit(browser.get("/device"), "/device", Map.of("user_code", r.json().get("user_code").asText()));
        assertEquals("kooLtsuJ", review.doc().selectFirst("#device-client").text());
    }

    @Test
    void guessingCodesIsLimitedPerPersonAndPerClientAddress() {
        try (Keydesk proxied = keydesk.startBehindProxy()) {
            String base = "http://localhost:" + proxied.port();
            User cordelia = Fixtures.member("cordelia@zulip.com");
            WebClient iagoHere = new WebClient(base, Map.of("X-Forwarded-For", "203.0.113.1"));
            iagoHere.login("iago@zulip.com", Fixtures.PASSWORD);
            Page entry = iagoHere.get("/device");
            for (int i = 0; i < DeviceGrantRoutes.LIMIT.requests(); i++) {
                Page guess = iagoHere.submit(entry, "/device", Map.of("user_code", guess(i)));
                assertEquals(400, guess.status(), "guess " + i + ": " + guess.text());
            }
            Http.Response started = Http.postForm(base + "/api/v1/device_authorization", form("client", "Victim"), null);
            String userCode = started.json().get("user_code").asText();
            Page limited = iagoHere.submit(entry, "/device", Map.of("user_code", userCode));
            assertEquals(429, limited.status(), limited.body());
            assertTrue(limited.text().contains("Too many codes tried"), limited.text());

            // The same person from elsewhere is still limited ...
            WebClient iagoElsewhere = new WebClient(base, Map.of("X-Forwarded-For", "198.51.100.7"));
            iagoElsewhere.login("iago@zulip.com", Fixtures.PASSWORD);
            assertEquals(429, iagoElsewhere.submit(iagoElsewhere.get("/device"), "/device", Map.of("user_code", userCode)).status());
            // ... and so is another person from the first address ...
            WebClient cordeliaThere = new WebClient(base, Map.of("X-Forwarded-For", "203.0.113.1"));
            cordeliaThere.login(cordelia.email(), Fixtures.PASSWORD);
            Page approveAttempt = cordeliaThere.post("/device/approve", Map.of("csrf_token",
                    WebClient.csrf(cordeliaThere.get("/device")), "user_code", userCode));
            assertEquals(429, approveAttempt.status(), approveAttempt.body());
            assertEquals("pending", status("Victim"), "a limited attempt changes nothing");
            // ... while another person elsewhere is not.
            WebClient cordeliaElsewhere = new WebClient(base, Map.of("X-Forwarded-For", "198.51.100.8"));
            cordeliaElsewhere.login(cordelia.email(), Fixtures.PASSWORD);
            assertEquals(200, cordeliaElsewhere.submit(cordeliaElsewhere.get("/device"), "/device",
                    Map.of("user_code", userCode)).status());
        }
    }

    /** The i-th of some well-formed codes that no request holds (a stored one is one chance in billions). */
    private static String guess(int i) {
        String letters = UserCode.ALPHABET;
        return "ZZZZ-ZZ" + letters.charAt(i % letters.length()) + letters.charAt(i / letters.length());
    }

    @Test
    void approvingWithoutTheFormTokenIsRefusedAndChangesNothing() {
        JsonNode started = authorize("ZulipTerminal");
        String deviceCode = started.get("device_code").asText();
        WebClient browser = signedIn();
        long auditRows = count("SELECT count(*) FROM audit_log");
        Page refused = browser.post("/device/approve", Map.of("user_code", started.get("user_code").asText()));
        assertEquals(403, refused.status(), refused.body());
        Page forged = browser.post("/device/approve", Map.of("user_code", started.get("user_code").asText(),
                "csrf_token", "not-the-token-of-this-session-0123456789abc"));
        assertEquals(403, forged.status(), forged.body());
        assertEquals("pending", status("ZulipTerminal"));
        assertEquals(auditRows, count("SELECT count(*) FROM audit_log"));
        assertOAuthError("authorization_pending", poll(deviceCode));
    }

    @Test
    void theTokenEndpointRefusesMalformedPollsInOAuthsShape() {
        assertOAuthError("invalid_request", Http.postForm(api("device_token"), form(), null));
        assertOAuthError("invalid_grant", poll("no-such-device-code"));
        assertOAuthError("invalid_grant", poll("x".repeat(5000)));
        assertOAuthError("unsupported_grant_type", Http.postForm(api("device_token"),
                form("grant_type", "password", "device_code", "abc"), null));
        String deviceCode = authorize("ZulipTerminal").get("device_code").asText();
        assertOAuthError("invalid_request", Http.postForm(api("device_token") + "?device_code=" + deviceCode, form(), null));
    }

    @Test
    void askingForLoginsIsLimitedPerClientAddress() {
        for (int i = 0; i < DeviceGrantApiRoutes.LIMIT.requests(); i++) authorize("Client" + i);
        Http.Response limited = Http.postForm(api("device_authorization"), form("client", "OneTooMany"), null);
        assertEquals(429, limited.status(), limited.body());
        assertTrue(limited.header("Retry-After").isPresent());
        assertEquals(DeviceGrantApiRoutes.LIMIT.requests(), count("SELECT count(*) FROM device_authorizations"));
    }
}
