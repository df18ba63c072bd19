package dev.keydesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Malformed, oversized and misdirected requests: a clear 4xx, never a 500, and nothing changes. */
@IntegrationTest
class BadInputTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private String key;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
        key = Fixtures.keyOf(iago);
    }

    private void assertNothingChanged() {
        assertEquals(key, Fixtures.keyOf(iago));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users"));
    }

    @Test
    void oversizedBodiesAre413() {
        // Over the 64 KiB form limit, yet small enough to be sent whole before the early answer.
        byte[] big = new byte[100 * 1024];
        Arrays.fill(big, (byte) 'a');
        byte[] form = ("username=iago%40zulip.com&password=" + new String(big, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);
        Http.Response api = Http.raw("POST", keydesk.baseUrl() + "/api/v1/fetch_api_key",
                "application/x-www-form-urlencoded", form, Map.of());
        assertEquals(413, api.status(), api.body());
        assertEquals("error", api.json().get("result").asText());

        Http.Response regenerate = Http.raw("POST", keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate",
                "application/x-www-form-urlencoded", form, Map.of("Authorization", Http.basic("iago@zulip.com", key)));
        assertEquals(413, regenerate.status());

        Http.Response page = Http.raw("POST", keydesk.baseUrl() + "/login", "application/x-www-form-urlencoded", form, Map.of());
        assertEquals(413, page.status());
        assertNothingChanged();
    }

    @Test
    void chunkedBodiesOverTheLimitAre413() {
        byte[] big = ("username=iago%40zulip.com&password=" + "a".repeat(100 * 1024)).getBytes(StandardCharsets.US_ASCII);
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(keydesk.baseUrl() + "/api/v1/fetch_api_key"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                .build();
        Http.Response r = Http.send(request);
        assertEquals(413, r.status(), r.body());
        assertNothingChanged();
    }

    @Test
    void unknownCharsetsAreABadRequest() {
        for (String path : new String[] {"/login", "/api/v1/fetch_api_key"}) {
            Http.Response r = Http.raw("POST", keydesk.baseUrl() + path,
                    "application/x-www-form-urlencoded; charset=bogus", "email=a".getBytes(StandardCharsets.US_ASCII), Map.of());
            assertEquals(400, r.status(), path + " " + r.body());
        }
    }

    @Test
    void nulBytesNeverReachTheDatabaseAsA500() {
        Http.Response dev = Http.postForm(keydesk.secondaryUrl() + "/api/v1/dev_fetch_api_key",
                Map.of("username", "a\u0000b@zulip.com"), null);
        assertEquals(400, dev.status(), dev.body());
        Http.Response api = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Map.of("username", "iago@zulip.com", "password", "pass\u0000word"), null);
        assertEquals(401, api.status(), api.body());
        WebClient browser = new WebClient(keydesk.baseUrl());
        WebClient.Page login = browser.get("/login");
        WebClient.Page page = browser.post("/login", Map.of("csrf_token", WebClient.csrf(login),
                "email", "iago\u0000@zulip.com", "password", "x"));
        assertEquals(401, page.status());
        assertNothingChanged();
    }

    @Test
    void wrongMethodsOnApiEndpointsAre405() {
        Http.Response r = Http.get(keydesk.baseUrl() + "/api/v1/fetch_api_key", null);
        assertEquals(405, r.status(), r.body());
        assertEquals("error", r.json().get("result").asText());
    }

    @Test
    void crossSiteBrowserRequestsCannotUseTheApi() {
        String regenerate = keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate";
        String auth = Http.basic("iago@zulip.com", key);
        for (Map<String, String> headers : java.util.List.of(Map.of("Origin", "https://evil.example"),
                Map.of("Sec-Fetch-Site", "cross-site"), Map.of("Origin", "null"))) {
            Http.Response r = Http.postForm(regenerate, Map.of(), auth, headers);
            assertEquals(403, r.status(), headers + " " + r.body());
        }
        assertNothingChanged();
        Http.Response sameOrigin = Http.postForm(regenerate, Map.of(), auth,
                Map.of("Origin", keydesk.baseUrl(), "Sec-Fetch-Site", "same-origin"));
        assertEquals(200, sameOrigin.status(), sameOrigin.body());
    }

    @Test
    void invalidUtf8IsABadRequest() {
        byte[] body = "username=%FF%FE%FD&password=%C3%28".getBytes(StandardCharsets.US_ASCII);
        Http.Response r = Http.raw("POST", keydesk.baseUrl() + "/api/v1/fetch_api_key",
                "application/x-www-form-urlencoded", body, Map.of());
        assertEquals(400, r.status(), r.body());
        byte[] raw = new byte[] {'u', 's', 'e', 'r', 'n', 'a', 'm', 'e', '=', (byte) 0xff, (byte) 0xc3, '&', 'p', '=', 'x'};
        r = Http.raw("POST", keydesk.baseUrl() + "/api/v1/fetch_api_key", "application/x-www-form-urlencoded", raw, Map.of());
        assertTrue(r.status() == 400, r.status() + " " + r.body());
        assertNothingChanged();
    }

    @Test
    void brokenMultipartIsABadRequest() {
        Http.Response r = Http.raw("POST", keydesk.baseUrl() + "/api/v1/fetch_api_key",
                "multipart/form-data; boundary=xyz", "--xyz\r\nnot a part".getBytes(StandardCharsets.US_ASCII), Map.of());
        assertTrue(r.status() >= 400 && r.status() < 500, r.status() + " " + r.body());
        assertNothingChanged();
    }

    @Test
    void unknownApiRoutesAndMethodsAreJson404() {
        for (String method : new String[] {"GET", "POST", "DELETE"}) {
            Http.Response r = Http.raw(method, keydesk.baseUrl() + "/api/v1/no_such_endpoint", null, null, Map.of());
            assertEquals(404, r.status(), method);
            assertEquals("Endpoint not found", r.json().get("msg").asText());
        }
        Http.Response wrongMethod = Http.raw("PUT", keydesk.baseUrl() + "/api/v1/users/me", null, null,
                Map.of("Authorization", Http.basic("iago@zulip.com", key)));
        assertTrue(wrongMethod.status() == 404 || wrongMethod.status() == 405, "status " + wrongMethod.status());
        assertEquals("error", wrongMethod.json().get("result").asText());
    }

    @Test
    void unknownPagesAre404Pages() {
        WebClient.Page page = new WebClient(keydesk.baseUrl()).get("/definitely/not/here");
        assertEquals(404, page.status());
        assertTrue(page.text().contains("no page at this address"));
        assertFalse(page.body().contains("Exception"));
    }

    @Test
    void headerOnlyNonsenseNeverGives500() {
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        String[] headers = {"", "Basic ", "Basic ====", "Basic " + "A".repeat(5000), "Digest x", "basic",
                Http.basic("iago@zulip.com", key + "x"), Http.basic("", key), Http.basic("iago@zulip.com", "")};
        for (String h : headers) {
            Http.Response r = Http.get(me, h.isEmpty() ? null : h);
            assertTrue(r.status() == 400 || r.status() == 401, "'" + h + "' gave " + r.status());
            assertEquals("error", r.json().get("result").asText());
        }
    }

    @Test
    void loginFormWithMissingFieldsIsExplained() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        WebClient.Page login = browser.get("/login");
        WebClient.Page page = browser.post("/login", Map.of("csrf_token", WebClient.csrf(login)));
        assertEquals(400, page.status());
        assertTrue(page.doc().selectFirst("[role=alert]").text().contains("e-mail"));
    }

    @Test
    void healthAnswersOk() {
        Http.Response r = Http.get(keydesk.baseUrl() + "/health", null);
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").asText());
    }
}
