package dev.keydesk.api;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP Basic authentication on the API, GET /users/me and POST /users/me/api_key/regenerate. */
@IntegrationTest
class ApiAuthenticationTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String me;
    private User hamlet;
    private String key;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        me = keydesk.baseUrl() + "/api/v1/users/me";
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        key = Fixtures.keyOf(hamlet);
    }

    private Http.Response getMe(String authorization) {
        Http.Response r = Http.get(me, authorization);
        return r;
    }

    /** Zulip answers every refusal of Basic credentials with 401 UNAUTHORIZED; the message says why. */
    private static void assertUnauthorized(Http.Response r, String msg) {
        assertEquals(401, r.status(), r.body());
        assertEquals("UNAUTHORIZED", r.json().get("code").asText());
        assertEquals(msg, r.json().get("msg").asText());
        assertEquals("Basic realm=\"zulip\"", r.header("WWW-Authenticate").orElse(null));
    }

    @Test
    void usersMeReturnsTheKeyOwnersProfile() {
        Http.Response r = getMe(Http.basic("hamlet@zulip.com", key));
        assertEquals(200, r.status());
        var body = r.json();
        assertEquals(hamlet.id(), body.get("user_id").asLong());
        assertEquals("hamlet@zulip.com", body.get("email").asText());
        assertEquals("King Hamlet", body.get("full_name").asText());
        assertEquals(200, body.get("role").asInt());
        assertTrue(body.get("is_admin").asBoolean());
        assertEquals(false, body.get("is_owner").asBoolean());
        assertEquals(false, body.get("is_bot").asBoolean());
        assertEquals("no-store", r.header("Cache-Control").orElse(null));
        // Every field a Zulip server always sends for one's own profile.
        assertEquals(hamlet.avatarVersion(), body.get("avatar_version").asInt());
        assertEquals(false, body.get("is_billing_admin").asBoolean(true));
        assertTrue(body.get("profile_data").isObject() && body.get("profile_data").isEmpty());
        assertEquals(-1, body.get("max_message_id").asInt());
        assertEquals("hamlet@zulip.com", body.get("delivery_email").asText());
        assertTrue(body.get("date_joined").asText().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}\\+00:00"),
                body.get("date_joined").asText());
        assertFalse(body.has("bot_type"));
    }

    @Test
    void emailIsMatchedWithoutRegardToCase() {
        assertEquals(200, getMe(Http.basic("HAMLET@Zulip.COM", key)).status());
    }

    @Test
    void missingAuthorizationIs401() {
        assertUnauthorized(getMe(null), "Not logged in: API authentication or user session required");
    }

    @Test
    void otherSchemesAreABadRequest() {
        Http.Response r = getMe("Bearer " + key);
        assertEquals(400, r.status());
        assertEquals("BAD_REQUEST", r.json().get("code").asText());
        assertEquals("This endpoint requires HTTP basic authentication.", r.json().get("msg").asText());
    }

    @Test
    void malformedBasicHeadersAre401() {
        for (String header : new String[] {"Basic", "Bearer", "Basic a b", "Basic !!!not-base64!!!",
                "Basic " + b64("no-colon-here"), "Basic " + b64("hamlet@zulip.com:" + key + ":more"),
                "Basic " + Base64.getEncoder().encodeToString(new byte[] {'a', ':', (byte) 0xff})}) {
            assertUnauthorized(getMe(header), "Invalid authorization header for basic auth");
        }
    }

    @Test
    void anEmptyEmailIsAWrongEmailAndSurroundingSpacesAreIgnored() {
        assertUnauthorized(getMe("Basic " + b64(":" + key)), "Invalid API key");
        assertEquals(200, getMe("Basic " + b64(" hamlet@zulip.com : " + key + " ")).status());
    }

    @Test
    void incomingWebhookBotsCannotUseTheApiButTheirOwnersManageThem() {
        var created = Fixtures.newBot("Hook In").shortName("hookin").type(dev.keydesk.bot.BotType.INCOMING_WEBHOOK)
                .createdBy(hamlet);
        String botAuth = Http.basic(created.bot().email(), created.apiKey());
        String refused = "This API is not available to incoming webhook bots.";
        assertUnauthorized(getMe(botAuth), refused);
        assertUnauthorized(Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(), botAuth),
                refused);
        assertUnauthorized(Http.get(keydesk.baseUrl() + "/api/v1/bots", botAuth), refused);
        assertEquals(created.apiKey(), Fixtures.keyOf(created.bot().id()));
        Http.Response byOwner = Http.postForm(keydesk.baseUrl() + "/api/v1/bots/" + created.bot().id()
                + "/api_key/regenerate", Map.of(), Http.basic("hamlet@zulip.com", key));
        assertEquals(200, byOwner.status(), byOwner.body());
        assertNotEquals(created.apiKey(), byOwner.json().get("api_key").asText());
    }

    @Test
    void keyWithWrongChecksumIsRefusedWithoutTouchingTheDatabase() {
        char last = key.charAt(31);
        String mistyped = key.substring(0, 31) + (last == 'a' ? 'b' : 'a');
        assertTrue(!ApiKeyFormat.isWellFormed(mistyped));
        ApiKeyAuthenticator authenticator = keydesk.primary().services().authenticator();
        long before = authenticator.databaseLookups();
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", mistyped)), "Malformed API key");
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", "short")), "Malformed API key");
        assertEquals(before, authenticator.databaseLookups());
    }

    @Test
    void wellFormedUnknownKeyIsInvalid() {
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", ApiKeyFormat.generate())), "Invalid API key");
    }

    @Test
    void anotherUsersKeyWithMyEmailIsRefused() {
        User othello = Fixtures.member("othello@zulip.com");
        String othelloKey = Fixtures.keyOf(othello);
        assertEquals(200, getMe(Http.basic("othello@zulip.com", othelloKey)).status()); // now cached
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", othelloKey)), "Invalid API key");
    }

    @Test
    void deactivatedUserIsRefusedAtOnceEvenWhenTheKeyWasCached() {
        assertEquals(200, getMe(Http.basic("hamlet@zulip.com", key)).status());
        Fixtures.deactivate(hamlet);
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", key)), "Account is deactivated");
    }

    @Test
    void repeatedRequestsAreServedFromTheCache() {
        ApiKeyAuthenticator authenticator = keydesk.primary().services().authenticator();
        assertEquals(200, getMe(Http.basic("hamlet@zulip.com", key)).status());
        long afterFirst = authenticator.databaseLookups();
        for (int i = 0; i < 5; i++) assertEquals(200, getMe(Http.basic("hamlet@zulip.com", key)).status());
        assertEquals(afterFirst, authenticator.databaseLookups());
    }

    @Test
    void regenerateReturnsANewKeyAndTheOldOneIsRefusedOnTheNextRequest() {
        assertEquals(200, getMe(Http.basic("hamlet@zulip.com", key)).status()); // cached before the change
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                Http.basic("hamlet@zulip.com", key));
        assertEquals(200, r.status());
        assertEquals("no-store", r.header("Cache-Control").orElse(null));
        String fresh = r.json().get("api_key").asText();
        assertNotEquals(key, fresh);
        assertTrue(ApiKeyFormat.isWellFormed(fresh));
        assertUnauthorized(getMe(Http.basic("hamlet@zulip.com", key)), "Invalid API key");
        assertEquals(200, getMe(Http.basic("hamlet@zulip.com", fresh)).status());
        assertEquals(fresh, Fixtures.keyOf(hamlet));
        assertTrue(Fixtures.auditEvents(hamlet.id()).contains("api_key_changed"));
    }

    @Test
    void anEmptyMultipartBodyIsAPostWithoutParameters() {
        // zulip-js sends a POST without parameters as a multipart form without any part.
        Http.Response r = Http.postMultipart(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                Http.basic("hamlet@zulip.com", key));
        assertEquals(200, r.status(), r.body());
        assertFalse(r.json().has("ignored_parameters_unsupported"));
        Http.Response nothing = Http.raw("POST", keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate",
                "multipart/form-data;boundary=--------------------------180e9ec30ba683d35ec092bb", new byte[0],
                Map.of("Authorization", Http.basic("hamlet@zulip.com", r.json().get("api_key").asText())));
        assertEquals(200, nothing.status(), nothing.body());
    }

    @Test
    void concurrentRegenerationsLeaveExactlyOneCurrentKey() throws Exception {
        String url = keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate";
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        var results = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
        for (int i = 0; i < 6; i++) {
            results.add(pool.submit(() -> Http.postForm(url, Map.of(), Http.basic("hamlet@zulip.com", key)).status()));
        }
        int ok = 0;
        for (var f : results) {
            int status = f.get();
            assertTrue(status == 200 || status == 401, "status " + status);
            if (status == 200) ok++;
        }
        pool.shutdown();
        // The key is still current only for the first regeneration to commit; the others find it replaced.
        assertEquals(1, ok, "exactly one regeneration wins");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL AND user_id = " + hamlet.id()));
        assertEquals(200, getMe(Http.basic("hamlet@zulip.com", Fixtures.keyOf(hamlet))).status());
    }

    @Test
    void regeneratingLogsOutDevices() {
        Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                form("username", "hamlet@zulip.com", "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.1"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices"));
        Fixtures.regenerateKey(hamlet);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
        assertTrue(Fixtures.auditEvents(hamlet.id()).contains("devices_logged_out"));
    }

    @Test
    void anotherProcessRefusesTheOldKeyOnceRegenerated() throws InterruptedException {
        String otherMe = keydesk.secondaryUrl() + "/api/v1/users/me";
        assertEquals(200, Http.get(otherMe, Http.basic("hamlet@zulip.com", key)).status()); // cached over there
        Fixtures.regenerateKey(hamlet);
        // The change reaches the other process through PostgreSQL NOTIFY; allow it a generous moment.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        int status = Http.get(otherMe, Http.basic("hamlet@zulip.com", key)).status();
        while (status != 401 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            status = Http.get(otherMe, Http.basic("hamlet@zulip.com", key)).status();
        }
        assertEquals(401, status);
    }

    @Test
    void serverSettingsIgnoresABadAuthorizationHeader() {
        for (String header : new String[] {null, "Basic garbage!!", Http.basic("x@y.z", "wrong"), "Bearer abc"}) {
            Http.Response r = Http.get(keydesk.baseUrl() + "/api/v1/server_settings", header);
            assertEquals(200, r.status(), String.valueOf(header));
            assertEquals(keydesk.primary().services().settings().site(), r.json().get("realm_url").asText());
            assertTrue(r.json().get("authentication_methods").get("password").asBoolean());
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
