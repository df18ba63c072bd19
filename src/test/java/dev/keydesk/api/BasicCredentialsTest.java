package dev.keydesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Authorization header API clients send: "Basic " + base64(email:api_key). */
class BasicCredentialsTest {
    private static final String INVALID = "Invalid authorization header for basic auth";

    private static String basic(String pair) {
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiError refusal(String header) {
        return assertThrows(ApiError.class, () -> BasicCredentials.parse(header));
    }

    private static void assertUnauthorized(String message, ApiError error) {
        assertEquals(401, error.status());
        assertEquals(Map.of("result", "error", "msg", message, "code", "UNAUTHORIZED"), error.body());
        assertEquals("Basic realm=\"zulip\"", error.headers().get("WWW-Authenticate"));
    }

    @Test
    void readsTheEmailAndKey() {
        assertEquals(new BasicCredentials("hamlet@zulip.com", "abc123"), BasicCredentials.parse(basic("hamlet@zulip.com:abc123")));
        assertEquals(new BasicCredentials("hamlet@zulip.com", "abc123"),
                BasicCredentials.parse("  basic   " + basic("hamlet@zulip.com:abc123").substring(6) + "  "),
                "the scheme ignores case and spaces around it");
    }

    @Test
    void exactlyOneColonSeparatesAsInZulip() {
        assertUnauthorized(INVALID, refusal(basic("hamlet@zulip.com:key:with:colons")));
        assertEquals(new BasicCredentials("hamlet@zulip.com", ""), BasicCredentials.parse(basic("hamlet@zulip.com:")));
        assertEquals(new BasicCredentials("hamlet@zulip.com", "abc"), BasicCredentials.parse(basic(" hamlet@zulip.com : abc ")),
                "both halves are stripped");
    }

    @Test
    void decodesUtf8() {
        assertEquals(new BasicCredentials("ünï@例え.jp", "ключ🔑"), BasicCredentials.parse(basic("ünï@例え.jp:ключ🔑")));
    }

    @Test
    void aMissingHeaderMeansNotLoggedIn() {
        String message = "Not logged in: API authentication or user session required";
        assertUnauthorized(message, refusal(null));
        assertUnauthorized(message, refusal(""));
        assertUnauthorized(message, refusal("   "));
    }

    @Test
    void anotherSchemeIsABadRequest() {
        for (String header : new String[] {"Bearer abc", "Digest username=\"x\"", "Basicx " + basic("a:b").substring(6)}) {
            ApiError error = refusal(header);
            assertEquals(400, error.status(), header);
            assertEquals(Map.of("result", "error", "msg", "This endpoint requires HTTP basic authentication.",
                    "code", "BAD_REQUEST"), error.body());
        }
    }

    @Test
    void undecodableCredentialsAreUnauthorized() {
        assertUnauthorized(INVALID, refusal("Basic"));
        assertUnauthorized(INVALID, refusal("Basic !!!!"));
        assertUnauthorized(INVALID, refusal("Basic abc def"));
        assertUnauthorized(INVALID, refusal("Basic " + Base64.getUrlEncoder().encodeToString(new byte[] {-5, -1, -2})));
    }

    @Test
    void aPairWithoutAColonIsUnauthorized() {
        assertUnauthorized(INVALID, refusal(basic("hamlet@zulip.com")));
        assertUnauthorized(INVALID, refusal(basic("")));
        // An empty e-mail parses (as in Zulip) and is refused later: no account has it.
        assertEquals(new BasicCredentials("", "abc123"), BasicCredentials.parse(basic(":abc123")));
    }
}
