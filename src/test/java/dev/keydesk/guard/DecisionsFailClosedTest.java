package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.user.User;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Forward-auth and the verify API let a key through for {@link KeyVerifier.Allowed} alone: every
 * other decision, and one they do not know (here: none at all), is a refusal, since a proxy reads
 * any 2xx as "let it in".
 */
class DecisionsFailClosedTest {
    private static final GuardedService SERVICE = new GuardedService(7, "Grafana", "", "everyone", null, Instant.EPOCH);
    private static final User IAGO = new User(11, "iago@zulip.com", "Iago", 400, true, false, null, "", Instant.EPOCH, 1);
    private static final KeyVerifier.Allowed ALLOWED = new KeyVerifier.Allowed(new KeyOwner(3, IAGO, null), SERVICE);

    @Test
    void forwardAuthLetsThroughOnlyAnAllowedKey() {
        assertEquals(200, ForwardAuthRoutes.answer(ALLOWED, false).status());
        assertEquals("11", ForwardAuthRoutes.answer(ALLOWED, false).headers().get("X-Keydesk-User-Id"));
        assertEquals(403, ForwardAuthRoutes.answer(ALLOWED, true).status(), "stored credentials sent cross-site");
        List<KeyVerifier.Decision> refusals = List.of(new KeyVerifier.UnknownService(), new KeyVerifier.NoKey(),
                new KeyVerifier.Refused("USER_DEACTIVATED", "Account is deactivated"),
                new KeyVerifier.NotAdmitted(SERVICE), new KeyVerifier.Limited(5));
        for (KeyVerifier.Decision decision : refusals) {
            ForwardAuthRoutes.Answer answer = ForwardAuthRoutes.answer(decision, false);
            assertTrue(answer.status() >= 400, decision + " answered " + answer.status());
            assertEquals("error", answer.body().get("result"));
            assertFalse(answer.headers().containsKey("X-Keydesk-User-Id"));
        }
    }

    @Test
    void forwardAuthRefusesADecisionItDoesNotKnow() {
        ForwardAuthRoutes.Answer answer = ForwardAuthRoutes.answer(null, false);
        assertEquals(401, answer.status());
        assertEquals("error", answer.body().get("result"));
        assertTrue(answer.headers().keySet().stream().noneMatch(h -> h.startsWith("X-Keydesk-")), answer.headers().toString());
    }

    @Test
    void theVerifyApiSaysValidOnlyForAnAllowedKey() {
        assertEquals(true, VerifyApiRoutes.body(ALLOWED).get("valid"));
        for (KeyVerifier.Decision decision : List.of(new KeyVerifier.Refused("INVALID_API_KEY", "Invalid API key"),
                new KeyVerifier.NotAdmitted(SERVICE), new KeyVerifier.Limited(5))) {
            assertEquals(false, VerifyApiRoutes.body(decision).get("valid"), decision.toString());
        }
        var unknown = VerifyApiRoutes.body(null);
        assertEquals(false, unknown.get("valid"));
        assertEquals("INVALID_API_KEY", unknown.get("code"));
        assertFalse(unknown.containsKey("user_id"));
    }
}
