package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.audit.Actor;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bot key's scope, address ranges and metadata through the bots API and the verify API. Every
 * answer is checked against the OpenAPI document by {@link Http}, so these calls also hold the
 * document to the new fields.
 */
@IntegrationTest
class KeyLimitsApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User hamlet;
    private String auth;
    private GuardedService grafana;
    private String grafanaToken;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        auth = Http.basic(hamlet.email(), Fixtures.keyOf(hamlet));
        GuardActions.Registered registered = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", Access.EVERYONE, null));
        grafana = registered.service();
        grafanaToken = registered.token();
    }

    private String api(String path) {
        return keydesk.baseUrl() + "/api/v1" + path;
    }

    private Http.Response patch(String path, Map<String, String> form) {
        return Http.raw("PATCH", api(path), "application/x-www-form-urlencoded",
                Http.urlencode(form).getBytes(StandardCharsets.UTF_8), Map.of("Authorization", auth));
    }

    @Test
    void aBotIsCreatedWithLimitsThatVerifyAndTheBotListShow() {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("full_name", "Reader Bot");
        form.put("short_name", "reader");
        form.put("scope", "{\"" + grafana.id() + "\": [\"GET /api/**\", \"read-only\"]}");
        form.put("address_ranges", "[\"127.0.0.0/8\", \"::1\"]");
        form.put("metadata", "{\"team\": \"payments\", \"tenant\": \"42\"}");
        Http.Response created = Http.postForm(api("/bots"), form, auth);
        assertEquals(200, created.status(), created.body());
        assertEquals("[\"GET /api/**\",\"read-only\"]", created.json().get("scope").get(Long.toString(grafana.id())).toString());
        assertEquals("[\"127.0.0.0/8\",\"::1/128\"]", created.json().get("address_ranges").toString());
        long botId = created.json().get("user_id").asLong();
        String key = created.json().get("api_key").asText();

        String verify = api("/keys/verify");
        Http.Response withoutRequest = Http.postForm(verify, Map.of("key", key), "Bearer " + grafanaToken);
        assertEquals(false, withoutRequest.json().get("valid").asBoolean(), "a key with path rules needs the request");
        assertEquals("FORBIDDEN", withoutRequest.json().get("code").asText());
        Http.Response read = Http.postForm(verify, Map.of("key", key, "method", "GET", "path", "/api/x?y=1"), "Bearer " + grafanaToken);
        assertEquals(true, read.json().get("valid").asBoolean(), read.body());
        assertEquals("{\"team\":\"payments\",\"tenant\":\"42\"}", read.json().get("metadata").toString());
        Http.Response write = Http.postForm(verify, Map.of("key", key, "method", "POST", "path", "/api/x"), "Bearer " + grafanaToken);
        assertEquals("FORBIDDEN", write.json().get("code").asText());
        Http.Response sneaky = Http.postForm(verify, Map.of("key", key, "method", "POST", "path", "/api/../admin"),
                "Bearer " + grafanaToken);
        assertEquals(false, sneaky.json().get("valid").asBoolean());

        JsonNode listed = Http.get(api("/bots"), auth).json().get("bots").get(0);
        assertEquals(botId, listed.get("user_id").asLong());
        assertEquals("payments", listed.get("metadata").get("team").asText());

        // Zulip's own API stays open to a scoped key: scopes govern guarded services only.
        assertEquals(200, Http.get(api("/users/me"), Http.basic(listed.get("email").asText(), key)).status());
    }

    @Test
    void updatesReplaceOnlyThePartsSentAndBadValuesAreRefusedWith400() {
        Http.Response created = Http.postForm(api("/bots"), Map.of("full_name", "Deploy Bot", "short_name", "deploy",
                "metadata", "{\"team\": \"ops\"}"), auth);
        long botId = created.json().get("user_id").asLong();
        Http.Response scoped = patch("/bots/" + botId, Map.of("scope", "{\"" + grafana.id() + "\": []}"));
        assertEquals(200, scoped.status(), scoped.body());
        assertEquals("{}", scoped.json().get("scope").get(Long.toString(grafana.id())).toString().replace("[]", "{}"));
        assertEquals("ops", scoped.json().get("metadata").get("team").asText(), "metadata was not sent, so it stays");
        Http.Response unrestricted = patch("/bots/" + botId, Map.of("scope", "null", "metadata", "{}"));
        assertTrue(unrestricted.json().get("scope").isNull());
        assertEquals(0, unrestricted.json().get("metadata").size());

        for (Map<String, String> bad : java.util.List.of(Map.of("scope", "{\"999999\": []}"), Map.of("scope", "{\"" + grafana.id()
                + "\": [\"GET api\"]}"), Map.of("scope", "[1]"), Map.of("address_ranges", "[\"example.com\"]"),
                Map.of("address_ranges", "[\"10.0.0.0/33\"]"), Map.of("metadata", "{\"bad name\": \"x\"}"),
                Map.of("metadata", "{\"n\": 1}"), Map.of("scope", "{not json"))) {
            Http.Response r = patch("/bots/" + botId, bad);
            assertEquals(400, r.status(), bad + ": " + r.body());
        }
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions WHERE user_id = " + botId),
                "no limits left no row, and no refused value wrote one");
        assertTrue(Fixtures.auditEvents(botId).contains("key_restrictions_changed"), Fixtures.auditEvents(botId).toString());
    }
}
