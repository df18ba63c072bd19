package dev.keydesk.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The administrators' API for people, and Zulip's 400 for everyone else. */
@IntegrationTest
class PeopleApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String api;
    private User admin;
    private User member;
    private String adminAuth;
    private String memberAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        api = keydesk.baseUrl() + "/api/v1";
        Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        adminAuth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
        memberAuth = Http.basic("cordelia@zulip.com", Fixtures.keyOf(member));
    }

    private Http.Response call(String method, String path, Map<String, String> form, String auth) {
        return Http.raw(method, api + path, "application/x-www-form-urlencoded", Http.urlencode(form).getBytes(),
                Map.of("Authorization", auth));
    }

    @Test
    void adminRotatingAMembersKeyMakesTheOldOneFailAndNeverReturnsTheNewOne() {
        String old = Fixtures.keyOf(member);
        Http.Response r = call("POST", "/users/" + member.id() + "/api_key/regenerate", Map.of(), adminAuth);
        assertEquals(200, r.status());
        String fresh = Fixtures.keyOf(member);
        assertNotEquals(old, fresh);
        assertFalse(r.body().contains(fresh));
        assertEquals(401, Http.get(api + "/users/me", Http.basic("cordelia@zulip.com", old)).status());
    }

    @Test
    void membersGetZulips400OnEveryAdminEndpoint() {
        User other = Fixtures.member("othello@zulip.com");
        String[][] calls = {{"POST", "/users/" + other.id() + "/api_key/regenerate"}, {"DELETE", "/users/" + other.id()},
                {"PATCH", "/users/" + other.id()}};
        String before = Fixtures.keyOf(other);
        for (String[] c : calls) {
            Http.Response r = call(c[0], c[1], Map.of("role", "200"), memberAuth);
            assertEquals(400, r.status(), c[0] + " " + c[1] + " " + r.body());
            assertEquals("Must be an organization administrator", r.json().get("msg").asText());
            assertEquals("UNAUTHORIZED_PRINCIPAL", r.json().get("code").asText());
        }
        // Reactivation is open to every key (owners reactivate their bots): a member reactivating a
        // person gets Zulip's own answer, as from access_user_by_id(for_admin=True).
        Http.assertBadRequest(call("POST", "/users/" + other.id() + "/reactivate", Map.of(), memberAuth),
                "Insufficient permission");
        assertEquals(before, Fixtures.keyOf(other));
        assertEquals(400, Fixtures.count("SELECT role FROM users WHERE id = " + other.id()));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + other.id()));
    }

    @Test
    void adminsDeactivateAndChangeRoles() {
        Http.Response patched = call("PATCH", "/users/" + member.id(), Map.of("role", "300"), adminAuth);
        assertEquals(200, patched.status());
        assertEquals(300, Fixtures.count("SELECT role FROM users WHERE id = " + member.id()));
        Http.Response deleted = call("DELETE", "/users/" + member.id(), Map.of(), adminAuth);
        assertEquals(200, deleted.status());
        assertEquals("Account is deactivated", Http.get(api + "/users/me", memberAuth).json().get("msg").asText());
        long ownerId = Fixtures.count("SELECT id FROM users WHERE email = 'lear@zulip.com'");
        Http.Response ownerDemotion = call("PATCH", "/users/" + ownerId, Map.of("role", "400"), adminAuth);
        assertEquals(400, ownerDemotion.status());
        Http.Response banana = call("PATCH", "/users/" + member.id(), Map.of("role", "banana"), adminAuth);
        assertEquals("Argument \"role\" is not valid JSON.", banana.json().get("msg").asText());
        assertEquals("Invalid role", call("PATCH", "/users/" + member.id(), Map.of("role", "250"), adminAuth)
                .json().get("msg").asText());
        assertEquals(400, call("DELETE", "/users/424242", Map.of(), adminAuth).status());
    }
}
