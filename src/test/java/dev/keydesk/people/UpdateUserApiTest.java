package dev.keydesk.people;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PATCH /api/v1/users/{user_id}: a request that changes nothing, or names nobody, is a 400. */
@IntegrationTest
class UpdateUserApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User member;
    private String adminAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        adminAuth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
    }

    private Http.Response patch(String id, Map<String, String> form) {
        Http.Response r = Http.raw("PATCH", keydesk.baseUrl() + "/api/v1/users/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(form).getBytes(StandardCharsets.UTF_8), Map.of("Authorization", adminAuth));
        return r;
    }


    private int roleOf(User user) {
        return (int) Fixtures.count("SELECT role FROM users WHERE id = " + user.id());
    }

    @Test
    void withoutARoleThereIsNothingToChange() {
        long auditBefore = Fixtures.count("SELECT count(*) FROM audit_log");
        Http.assertBadRequest(patch(Long.toString(member.id()), Map.of()), "Nothing to change");
        Http.assertBadRequest(patch(Long.toString(member.id()), Map.of("full_name", "Someone Else")), "Nothing to change");
        assertEquals(Role.MEMBER.code(), roleOf(member));
        assertEquals(auditBefore, Fixtures.count("SELECT count(*) FROM audit_log"));
    }

    @Test
    void anIdThatNamesNobodyIsNoSuchUserWithOrWithoutARole() {
        for (String id : new String[] {"abc", "0", "-4", "999999", "1.5"}) {
            Http.assertBadRequest(patch(id, Map.of()), "No such user");
            Http.assertBadRequest(patch(id, Map.of("role", "200")), "No such user");
        }
    }

    @Test
    void aRoleStillChanges() {
        Http.Response r = patch(Long.toString(member.id()), Map.of("role", "200"));
        assertEquals(200, r.status(), r.body());
        assertEquals(Role.ADMIN.code(), roleOf(member));
    }
}
