package dev.keydesk.api;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.audit.Actor;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@IntegrationTest
class FetchApiKeyApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String url;
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        url = keydesk.baseUrl() + "/api/v1/fetch_api_key";
        iago = Fixtures.member("iago@zulip.com");
    }

    private Http.Response fetch(Map<String, String> params) {
        Http.Response r = Http.postForm(url, params, null);
        return r;
    }

    /** The device's key authenticates as the account; the main key is not the one handed out. */
    private void assertWorksForIago(String key) {
        assertNotEquals(Fixtures.keyOf(iago), key, "a device gets a key of its own");
        Http.Response me = Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("iago@zulip.com", key));
        assertEquals(200, me.status(), me.body());
        assertEquals(iago.id(), me.json().get("user_id").asLong());
    }

    @Test
    void returnsAKeyOfTheDevicesOwnForTheRightPassword() {
        String mainKey = Fixtures.keyOf(iago);
        Http.Response r = fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD));
        assertEquals(200, r.status());
        assertWorksForIago(r.json().get("api_key").asText());
        assertEquals(mainKey, Fixtures.keyOf(iago), "the main key stays as it was");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND ciphertext IS NOT NULL"),
                "a device's key is never kept in a form that can be shown again");
        assertEquals("iago@zulip.com", r.json().get("email").asText());
        assertEquals(iago.id(), r.json().get("user_id").asLong());
        assertEquals("no-store", r.header("Cache-Control").orElse(""));
        assertFalse(r.json().has("ignored_parameters_unsupported"));
    }

    @Test
    void acceptsMultipartBodiesAsZulipJsSendsThem() {
        Http.Response r = Http.postMultipart(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null);
        assertEquals(200, r.status());
        assertWorksForIago(r.json().get("api_key").asText());
    }

    @Test
    void usernameIsCaseInsensitive() {
        Http.Response r = fetch(form("username", "IAGO@Zulip.com", "password", Fixtures.PASSWORD));
        assertEquals(200, r.status());
        assertEquals("iago@zulip.com", r.json().get("email").asText());
    }

    @Test
    void ignoresAnyAuthorizationHeader() {
        Http.Response r = Http.postForm(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD),
                "Bearer something-else");
        assertEquals(200, r.status());
        r = Http.postForm(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD),
                Http.basic("someone@else.com", "wrongwrongwrongwrongwrongwrong12"));
        assertEquals(200, r.status());
    }

    @Test
    void listsParametersItDoesNotUse() {
        Http.Response r = fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD, "zeta", "1", "client", "x", "otp", "1"));
        assertEquals(200, r.status());
        // Like Zulip, every endpoint reads "client" (it names the calling program); the rest come back sorted.
        assertEquals("[\"otp\",\"zeta\"]", r.json().get("ignored_parameters_unsupported").toString());
    }

    @Test
    void theClientParameterNamesTheDeviceBeforeTheUserAgent() {
        Http.Response r = Http.postForm(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD,
                "client", "ZulipTerminal"), null, Map.of("User-Agent", "python-requests/2.31"));
        assertEquals(200, r.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices WHERE client = 'ZulipTerminal'"));
        Http.postForm(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipPython/0.9.0 (Ubuntu; 24.04)"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices WHERE client = 'ZulipPython'"));
    }

    @Test
    void recordsTheDeviceFromItsUserAgent() {
        Http.Response r = Http.postForm(url, form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.212 (Android 14)"));
        assertEquals(200, r.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices WHERE client = 'ZulipMobile' AND user_id = " + iago.id()));
        assertTrue(Fixtures.auditEvents(iago.id()).contains("device_key_issued"));
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameAnswer() {
        Http.Response wrong = fetch(form("username", "iago@zulip.com", "password", "not the password"));
        Http.Response unknown = fetch(form("username", "nobody@zulip.com", "password", "not the password"));
        for (Http.Response r : new Http.Response[] {wrong, unknown}) {
            assertEquals(401, r.status());
            assertEquals("AUTHENTICATION_FAILED", r.json().get("code").asText());
            assertEquals("Your username or password is incorrect", r.json().get("msg").asText());
            assertEquals("Basic realm=\"zulip\"", r.header("WWW-Authenticate").orElse(null));
        }
        assertEquals(wrong.body(), unknown.body());
    }

    @Test
    void deactivatedAccountIsToldOnlyOnceThePasswordIsRight() {
        Fixtures.deactivate(iago);
        Http.Response wrong = fetch(form("username", "iago@zulip.com", "password", "not the password"));
        assertEquals("AUTHENTICATION_FAILED", wrong.json().get("code").asText());
        Http.Response right = fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD));
        assertEquals(401, right.status());
        assertEquals("USER_DEACTIVATED", right.json().get("code").asText());
        assertEquals("Account is deactivated", right.json().get("msg").asText());
        assertEquals("Basic realm=\"zulip\"", right.header("WWW-Authenticate").orElse(null));
    }

    @Test
    void missingParametersAreNamed() {
        Http.Response noUser = fetch(form("password", Fixtures.PASSWORD));
        assertEquals(400, noUser.status());
        assertEquals("REQUEST_VARIABLE_MISSING", noUser.json().get("code").asText());
        assertEquals("Missing 'username' argument", noUser.json().get("msg").asText());
        assertEquals("username", noUser.json().get("var_name").asText());
        Http.Response noPassword = fetch(form("username", "iago@zulip.com"));
        assertEquals("Missing 'password' argument", noPassword.json().get("msg").asText());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
    }

    @Test
    void badEmailSyntaxIsABadRequest() {
        Http.Response r = fetch(form("username", "not an email", "password", Fixtures.PASSWORD));
        assertEquals(400, r.status());
        assertEquals("BAD_REQUEST", r.json().get("code").asText());
        assertEquals("Enter a valid email address.", r.json().get("msg").asText());
    }

    @Test
    void sixthBadAttemptWithinTheWindowIsRateLimited() {
        for (int i = 1; i <= 5; i++) {
            Http.Response r = fetch(form("username", "iago@zulip.com", "password", "guess " + i));
            assertEquals(401, r.status(), "attempt " + i);
        }
        Http.Response sixth = fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD));
        assertEquals(429, sixth.status());
        assertEquals("RATE_LIMIT_HIT", sixth.json().get("code").asText());
        assertEquals("API usage exceeded rate limit", sixth.json().get("msg").asText());
        double retryAfter = sixth.json().get("retry-after").asDouble();
        assertTrue(retryAfter > 1700 && retryAfter <= 1800, "retry-after " + retryAfter);
        long header = Long.parseLong(sixth.header("Retry-After").orElseThrow());
        assertTrue(header > 1700 && header <= 1800, "Retry-After " + header);
        // Another username from the same address is still allowed.
        Fixtures.member("other@zulip.com");
        assertEquals(200, fetch(form("username", "other@zulip.com", "password", Fixtures.PASSWORD)).status());
    }

    @Test
    void rateLimitHoldsAcrossProcessesSharingTheDatabase() {
        String secondary = keydesk.secondaryUrl() + "/api/v1/fetch_api_key";
        for (int i = 1; i <= 5; i++) {
            String target = i % 2 == 0 ? url : secondary;
            assertEquals(401, Http.postForm(target, form("username", "iago@zulip.com", "password", "guess"), null).status());
        }
        assertEquals(429, Http.postForm(secondary, form("username", "iago@zulip.com", "password", "guess"), null).status());
        assertEquals(429, Http.postForm(url, form("username", "iago@zulip.com", "password", "guess"), null).status());
    }

    @Test
    void successClearsTheUsernamesFailedAttempts() {
        for (int i = 1; i <= 4; i++) fetch(form("username", "iago@zulip.com", "password", "guess"));
        assertEquals(200, fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD)).status());
        for (int i = 1; i <= 5; i++) {
            assertEquals(401, fetch(form("username", "iago@zulip.com", "password", "guess")).status(), "attempt " + i);
        }
    }

    /**
     * Someone holding the password keeps calling fetch_api_key while its owner changes it: a call
     * whose argon2 check passed with the old password just before the change commits must not
     * come out with a key that outlives the change. Here the change waits, uncommitted, until the
     * call is held up by it, then commits.
     */
    /** Calls held up while writing a device; read afresh, since inside a transaction PostgreSQL keeps its first reading. */
    private static long waitingToIssue(org.jdbi.v3.core.Handle h) {
        h.createQuery("SELECT pg_stat_clear_snapshot()").mapToMap().one();
        return h.createQuery("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO devices%' AND pid <> pg_backend_pid()""")
                .mapTo(Long.class).one();
    }

    @Test
    void aPasswordChangedWhileTheOldOneWasBeingCheckedHandsOutNoKey() throws Exception {
        var services = keydesk.primary().services();
        String hash = services.accounts().hashNewPassword("a brand new passphrase");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            List<Future<Http.Response>> fetched = new ArrayList<>();
            keydesk.primary().database().jdbi().useTransaction(h -> {
                services.accounts().setPassword(h, Actor.user(iago.id(), "127.0.0.1"), iago.id(), hash, null, Map.of());
                fetched.add(pool.submit(() -> fetch(form("username", "iago@zulip.com", "password", Fixtures.PASSWORD))));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (waitingToIssue(h) == 0) {
                    if (fetched.get(0).isDone()) throw new AssertionError("the call did not wait for the change: "
                            + fetched.get(0).get().body());
                    if (System.nanoTime() > deadline) throw new AssertionError("the call never reached the account's row");
                    Thread.sleep(10);
                }
            });
            Http.Response r = fetched.get(0).get(30, TimeUnit.SECONDS);
            assertEquals(401, r.status(), "the password it was checked against is no longer the account's: " + r.body());
            assertEquals("AUTHENTICATION_FAILED", r.json().get("code").asText());
            assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
            assertEquals(0, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device'"));
            assertFalse(Fixtures.auditEvents(iago.id()).contains("device_key_issued"));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Zulip routes dev_fetch_api_key only in development (zproject/dev_urls.py): on a production
     * server the path is no route at all, 404, as zerver/tests/test_auth.py's
     * DevFetchAPIKeyTest.test_dev_auth_disabled sees through its URL resolver.
     */
    @Test
    void devFetchApiKeyExistsOnlyInDevelopmentMode() {
        Http.Response prod = Http.postForm(url.replace("fetch_api_key", "dev_fetch_api_key"),
                form("username", "iago@zulip.com"), null);
        assertEquals(404, prod.status(), prod.body());
        assertEquals("Endpoint not found", prod.json().get("msg").asText());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
        Http.Response dev = Http.postForm(keydesk.secondaryUrl() + "/api/v1/dev_fetch_api_key",
                form("username", "iago@zulip.com"), null);
        assertEquals(200, dev.status());
        assertWorksForIago(dev.json().get("api_key").asText());
        Http.Response unknown = Http.postForm(keydesk.secondaryUrl() + "/api/v1/dev_fetch_api_key",
                form("username", "nobody@zulip.com"), null);
        assertEquals(401, unknown.status());
        assertEquals("AUTHENTICATION_FAILED", unknown.json().get("code").asText());
    }
}
