package dev.keydesk.api;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fetch_api_key takes the password, and the verify API the presented key, from the request body
 * only: a URL ends up in proxy, server and browser logs, so a secret in the query string is
 * refused, even a right one.
 */
@IntegrationTest
class CredentialsInUrlTest {
    private static final String PASSWORD_IN_URL = "Send the password in the request body, not in the URL.";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Http.Response fetch(String query, Map<String, String> body) {
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key" + query, body, null);
        return r;
    }

    @Test
    void aPasswordInTheQueryStringIsRefusedEvenWhenRight() {
        String key = Fixtures.keyOf(iago);
        String both = "?username=" + enc("iago@zulip.com") + "&password=" + enc(Fixtures.PASSWORD);
        for (Http.Response r : new Http.Response[] {
                fetch(both, Map.of()),
                fetch("?password=" + enc(Fixtures.PASSWORD), Map.of("username", "iago@zulip.com")),
                fetch("?password=" + enc(Fixtures.PASSWORD), Map.of("username", "iago@zulip.com", "password", Fixtures.PASSWORD)),
                fetch("?password=", Map.of("username", "iago@zulip.com", "password", Fixtures.PASSWORD))}) {
            assertEquals(400, r.status(), r.body());
            assertEquals("BAD_REQUEST", r.json().get("code").asText());
            assertEquals(PASSWORD_IN_URL, r.json().get("msg").asText());
            assertFalse(r.body().contains(key), r.body());
        }
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"), "no client received the key");
        assertEquals(0, Fixtures.count("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets"), "nothing was checked, so nothing counts");
    }

    @Test
    void theBodyStillWorksAndAUsernameInTheUrlIsNoSecret() {
        Http.Response r = fetch("?username=" + enc("iago@zulip.com"), Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, r.status(), r.body());
        String deviceKey = r.json().get("api_key").asText();
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("iago@zulip.com", deviceKey)).status());
    }

    @Test
    void theVerifyApiRefusesAKeyInTheUrl() {
        String key = Fixtures.keyOf(iago);
        String token = Fixtures.service("Reports", Access.EVERYONE).token();
        String url = keydesk.baseUrl() + "/api/v1/keys/verify";
        for (Http.Response r : new Http.Response[] {
                Http.postForm(url + "?key=" + enc(key), Map.of(), "Bearer " + token),
                Http.postForm(url + "?key=" + enc(key), Map.of("key", key), "Bearer " + token),
                Http.postForm(url + "?key=", Map.of("key", key), "Bearer " + token)}) {
            assertEquals(400, r.status(), r.body());
            assertEquals("BAD_REQUEST", r.json().get("code").asText());
            assertEquals("Send the key in the request body, not in the URL.", r.json().get("msg").asText());
            assertFalse(r.body().contains("iago@zulip.com"), "nothing is said about the key: " + r.body());
        }
        Http.Response inBody = Http.postForm(url + "?email=" + enc("iago@zulip.com"), Map.of("key", key), "Bearer " + token);
        assertEquals(200, inBody.status(), inBody.body());
        assertEquals(true, inBody.json().get("valid").asBoolean());
    }
}
