package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The administrators' API for guarded services. */
@IntegrationTest
class GuardApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String base;
    private String admin;
    private String member;
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        base = keydesk.baseUrl() + "/api/v1/guarded_services";
        User lear = Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        iago = Fixtures.member("iago@zulip.com");
        admin = Http.basic("lear@zulip.com", Fixtures.keyOf(lear));
        member = Http.basic("iago@zulip.com", Fixtures.keyOf(iago));
    }

    private static Http.Response send(String method, String url, Map<String, String> form, String auth) {
        return Http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .method(method, HttpRequest.BodyPublishers.ofString(Http.urlencode(form))).build());
    }

    private int forwardAuth(String token, String key) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header("X-Keydesk-Service-Token", token).header("X-Api-Key", key).GET().build()).status();
    }

    @Test
    void anAdministratorManagesAServiceFromAScript() {
        Http.Response created = Http.postForm(base, Map.of("name", "Billing", "access", "chosen",
                "rate_limit_per_minute", "120"), admin);
        assertEquals(200, created.status(), created.body());
        assertEquals("no-store", created.header("Cache-Control").orElseThrow());
        long id = created.json().get("id").asLong();
        String token = created.json().get("token").asText();
        String iagoKey = Fixtures.keyOf(iago);
        assertEquals(403, forwardAuth(token, iagoKey));

        assertEquals(200, Http.postForm(base + "/" + id + "/members", Map.of("user_id", Long.toString(iago.id())), admin).status());
        assertEquals(200, forwardAuth(token, iagoKey));
        var listed = Http.get(base, admin).json().get("services").get(0);
        assertEquals("Billing", listed.get("name").asText());
        assertEquals(120, listed.get("rate_limit_per_minute").asInt());
        assertEquals(iago.id(), listed.get("member_ids").get(0).asLong());
        assertTrue(listed.get("token") == null, "a listing never shows a token");

        Http.Response patched = send("PATCH", base + "/" + id, Map.of("access", "admins"), admin);
        assertEquals(200, patched.status(), patched.body());
        assertEquals("Billing", patched.json().get("service").get("name").asText(), "fields not sent stay as they were");
        assertEquals(403, forwardAuth(token, iagoKey));
        Http.Response unlimited = send("PATCH", base + "/" + id, Map.of("rate_limit_per_minute", "null"), admin);
        assertEquals(true, unlimited.json().get("service").get("rate_limit_per_minute").isNull(), unlimited.body());

        String fresh = Http.postForm(base + "/" + id + "/token/regenerate", Map.of(), admin).json().get("token").asText();
        assertEquals(401, forwardAuth(token, iagoKey));
        assertEquals(200, send("DELETE", base + "/" + id, Map.of(), admin).status());
        assertEquals(401, forwardAuth(fresh, iagoKey));
    }

    @Test
    void membersAndBadInputAreRefusedClearly() {
        Http.Response forbidden = Http.postForm(base, Map.of("name", "Mine"), member);
        assertEquals(400, forbidden.status(), "Zulip's answer to members on administrators' endpoints");
        assertEquals("Must be an organization administrator", forbidden.json().get("msg").asText());
        assertEquals(400, Http.get(base, member).status());
        assertEquals(400, Http.postForm(base, Map.of("name", "X"), admin).status(), "name too short");
        assertEquals(400, Http.postForm(base, Map.of("name", "Search", "access", "root"), admin).status());
        assertEquals(400, Http.postForm(base, Map.of("name", "Search", "rate_limit_per_minute", "-5"), admin).status());
        Http.Response missing = Http.postForm(base, Map.of(), admin);
        assertEquals("REQUEST_VARIABLE_MISSING", missing.json().get("code").asText());
        assertEquals(400, send("PATCH", base + "/abc", Map.of("name", "Y"), admin).status());
        assertEquals("No such service", send("DELETE", base + "/99999", Map.of(), admin).json().get("msg").asText());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM guarded_services"));
    }
}
