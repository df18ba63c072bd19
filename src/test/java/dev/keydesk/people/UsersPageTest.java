package dev.keydesk.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Users page over HTTP: roles and their limits, deactivation, key rotation, invitations. */
@IntegrationTest
class UsersPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User owner;
    private User admin;
    private User member;
    private WebClient adminBrowser;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        owner = Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        adminBrowser = new WebClient(keydesk.baseUrl());
        adminBrowser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private Element row(Page page, User user) {
        return page.doc().selectFirst("tr[data-user-id=" + user.id() + "]");
    }

    private static String flash(Page page) {
        Element flash = page.doc().selectFirst(".flash");
        return flash == null ? "" : flash.text();
    }

    private int role(User user) {
        return (int) Fixtures.count("SELECT role FROM users WHERE id = " + user.id());
    }

    @Test
    void listsPeopleWithRoleStateAndLastLogin() {
        Page page = adminBrowser.get("/users");
        assertEquals(200, page.status());
        assertTrue(row(page, member).text().contains("cordelia@zulip.com"));
        assertTrue(row(page, member).text().contains("Never"), "cordelia never logged in");
        assertFalse(row(page, admin).text().contains("Never"), "iago just did");
        assertNull(row(page, owner).selectFirst("select"), "administrators cannot change an owner's role");
        assertNull(row(page, member).select("option").stream().filter(o -> o.text().equals("Owner")).findFirst()
                .orElse(null), "nor make owners");
    }

    @Test
    void adminsChangeRolesWithinTheirLimits() {
        Page page = adminBrowser.get("/users");
        Page changed = adminBrowser.submit(page, "/users/" + member.id() + "/role", Map.of("role", "200"));
        assertTrue(flash(changed).contains("role was changed"));
        assertEquals(200, role(member));
        assertTrue(Fixtures.auditEvents(member.id()).contains("role_changed"));

        String csrf = WebClient.csrf(page);
        assertEquals(403, adminBrowser.post("/users/" + member.id() + "/role", Map.of("csrf_token", csrf, "role", "100")).status());
        assertEquals(403, adminBrowser.post("/users/" + owner.id() + "/role", Map.of("csrf_token", csrf, "role", "400")).status());
        assertEquals(100, role(owner));
        assertEquals(400, adminBrowser.post("/users/" + member.id() + "/role", Map.of("csrf_token", csrf, "role", "7")).status());
        assertEquals(404, adminBrowser.post("/users/nope/role", Map.of("csrf_token", csrf, "role", "400")).status());
        assertEquals(400, adminBrowser.post("/users/424242/role", Map.of("csrf_token", csrf, "role", "400")).status());
    }

    @Test
    void theLastOwnerStaysAnOwner() {
        WebClient ownerBrowser = new WebClient(keydesk.baseUrl());
        ownerBrowser.login("lear@zulip.com", Fixtures.PASSWORD);
        Page page = ownerBrowser.get("/users");
        String csrf = WebClient.csrf(page);
        Page refused = ownerBrowser.post("/users/" + owner.id() + "/role", Map.of("csrf_token", csrf, "role", "200"));
        assertEquals(403, refused.status());
        assertTrue(refused.text().contains("last owner"));
        assertEquals(100, role(owner));
        assertEquals(200, ownerBrowser.post("/users/" + admin.id() + "/role",
                Map.of("csrf_token", csrf, "role", "100")).status(), "owners make owners");
        assertEquals(100, role(admin));
        assertEquals(200, ownerBrowser.post("/users/" + owner.id() + "/role", Map.of("csrf_token", csrf, "role", "200")).status(),
                "with a second owner, the first may step down");
        assertEquals(200, role(owner));
    }

    @Test
    void deactivationEndsSessionsAndRefusesTheKeyUntilReactivated() {
        WebClient memberBrowser = new WebClient(keydesk.baseUrl());
        memberBrowser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        String key = Fixtures.keyOf(member);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(200, Http.get(me, Http.basic("cordelia@zulip.com", key)).status());

        Page page = adminBrowser.get("/users");
        Page confirm = adminBrowser.submit(page, "/users/" + member.id() + "/deactivate", Map.of());
        assertTrue(confirm.text().contains("Deactivate " + member.fullName() + "?"), confirm.text());
        Page done = adminBrowser.submit(confirm, "/users/" + member.id() + "/deactivate", Map.of());
        assertTrue(flash(done).contains("deactivated"));
        assertEquals("Account is deactivated", Http.get(me, Http.basic("cordelia@zulip.com", key)).json().get("msg").asText());
        assertEquals("Log in", memberBrowser.get("/account").doc().selectFirst("h1").text());

        Page reactivated = adminBrowser.submit(done, "/users/" + member.id() + "/reactivate", Map.of());
        assertTrue(flash(reactivated).contains("reactivated"));
        assertEquals(200, Http.get(me, Http.basic("cordelia@zulip.com", key)).status());

        String csrf = WebClient.csrf(page);
        assertEquals(403, adminBrowser.post("/users/" + owner.id() + "/deactivate",
                Map.of("csrf_token", csrf, "confirmed", "yes")).status(), "administrators cannot deactivate owners");
        assertEquals(403, adminBrowser.post("/users/" + admin.id() + "/deactivate",
                Map.of("csrf_token", csrf, "confirmed", "yes")).status(), "nor themselves");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id IN (" + owner.id() + "," + admin.id() + ")"));
    }

    @Test
    void rotatingAMembersKeyNeverShowsIt() {
        Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "cordelia@zulip.com", "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.1"));
        String old = Fixtures.keyOf(member);
        Page page = adminBrowser.get("/users");
        Page confirm = adminBrowser.submit(page, "/users/" + member.id() + "/api-key/regenerate", Map.of());
        assertTrue(confirm.text().contains("You will not see the new key"));
        assertEquals(old, Fixtures.keyOf(member), "nothing before confirming");
        Page done = adminBrowser.submit(confirm, "/users/" + member.id() + "/api-key/regenerate", Map.of());
        String fresh = Fixtures.keyOf(member);
        assertNotEquals(old, fresh);
        assertFalse(done.body().contains(fresh));
        assertFalse(confirm.body().contains(fresh));
        assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("cordelia@zulip.com", old)).status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"));
        assertEquals(403, adminBrowser.post("/users/" + owner.id() + "/api-key/regenerate",
                Map.of("csrf_token", WebClient.csrf(page), "confirmed", "yes")).status(), "owners' keys are for owners");
    }

    @Test
    void invitationLinksWorkOnceForTenDays() {
        Page page = adminBrowser.get("/users");
        Page invited = adminBrowser.submit(page, "/users/invitations", Map.of("email", "goneril@zulip.com", "role", "400"));
        assertEquals(200, invited.status());
        assertEquals("no-store", invited.header("Cache-Control"));
        String link = invited.doc().selectFirst("#invitation-link").attr("value");
        assertTrue(link.startsWith(keydesk.baseUrl() + "/invite/"), link);
        assertTrue(invited.text().contains("goneril@zulip.com"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM invitations WHERE expires_at BETWEEN now() + interval '9 days 23 hours' AND now() + interval '10 days'"));
        assertFalse(adminBrowser.get("/users").body().contains(link), "the link is shown only once");

        WebClient invitee = new WebClient(keydesk.baseUrl());
        String path = link.substring(keydesk.baseUrl().length());
        Page join = invitee.get(path);
        assertEquals(200, join.status());
        assertTrue(join.text().contains("goneril@zulip.com"));
        Page mismatch = invitee.submit(join, path, Map.of("full_name", "Goneril", "password", "long password one",
                "password_confirm", "long password two"));
        assertEquals(400, mismatch.status());
        Page account = invitee.submit(join, path, Map.of("full_name", "Goneril", "password", "long password one",
                "password_confirm", "long password one"));
        assertEquals("Account & privacy", account.doc().selectFirst("h1").text());
        assertEquals("Member", account.doc().select(".facts dd").get(2).text());
        assertEquals(404, new WebClient(keydesk.baseUrl()).get(path).status(), "used up");
        assertTrue(Fixtures.auditEvents(Fixtures.count("SELECT id FROM users WHERE email = 'goneril@zulip.com'"))
                .contains("invitation_accepted"));
    }

    @Test
    void expiredRevokedAndBadInvitationsAreRefused() {
        Page page = adminBrowser.get("/users");
        Page invited = adminBrowser.submit(page, "/users/invitations", Map.of("email", "regan@zulip.com", "role", "400"));
        String path = invited.doc().selectFirst("#invitation-link").attr("value").substring(keydesk.baseUrl().length());
        Fixtures.execute("UPDATE invitations SET expires_at = now() - interval '1 second'");
        assertEquals(404, new WebClient(keydesk.baseUrl()).get(path).status());

        Page second = adminBrowser.submit(adminBrowser.get("/users"), "/users/invitations",
                Map.of("email", "edmund@zulip.com", "role", "400"));
        String secondPath = second.doc().selectFirst("#invitation-link").attr("value").substring(keydesk.baseUrl().length());
        long id = Fixtures.count("SELECT id FROM invitations WHERE email = 'edmund@zulip.com'");
        Page revoked = adminBrowser.submit(adminBrowser.get("/users"), "/users/invitations/" + id + "/revoke", Map.of());
        assertTrue(flash(revoked).contains("revoked"));
        assertEquals(404, new WebClient(keydesk.baseUrl()).get(secondPath).status());

        Page existing = adminBrowser.submit(adminBrowser.get("/users"), "/users/invitations",
                Map.of("email", "cordelia@zulip.com", "role", "400"));
        assertEquals(400, existing.status());
        assertTrue(existing.doc().selectFirst("[role=alert]").text().contains("already exists"));
        Page badEmail = adminBrowser.submit(adminBrowser.get("/users"), "/users/invitations", Map.of("email", "nope", "role", "400"));
        assertEquals(400, badEmail.status());
        Page ownerInvite = adminBrowser.post("/users/invitations", Map.of("csrf_token", WebClient.csrf(page),
                "email", "x@zulip.com", "role", "100"));
        assertEquals(403, ownerInvite.status(), "only owners invite owners");
        assertEquals(404, new WebClient(keydesk.baseUrl()).get("/invite/not-a-token").status());
    }

    @Test
    void membersGetForbiddenOnEveryAdminPageAndAction() {
        WebClient memberBrowser = new WebClient(keydesk.baseUrl());
        Page home = memberBrowser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(home);
        assertNull(home.doc().selectFirst("nav a[href=/keys]"), "no admin links for members");
        for (Page page : new Page[] {memberBrowser.get("/users"), memberBrowser.get("/audit-log"), memberBrowser.get("/keys"),
                memberBrowser.post("/users/" + admin.id() + "/role", Map.of("csrf_token", csrf, "role", "400")),
                memberBrowser.post("/users/" + admin.id() + "/deactivate", Map.of("csrf_token", csrf, "confirmed", "yes")),
                memberBrowser.post("/users/" + admin.id() + "/reactivate", Map.of("csrf_token", csrf)),
                memberBrowser.post("/users/" + admin.id() + "/api-key/regenerate", Map.of("csrf_token", csrf, "confirmed", "yes")),
                memberBrowser.post("/users/invitations", Map.of("csrf_token", csrf, "email", "x@zulip.com", "role", "400")),
                memberBrowser.post("/users/invitations/1/revoke", Map.of("csrf_token", csrf))}) {
            assertEquals(403, page.status(), page.body());
        }
        assertEquals(200, role(admin));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM invitations"));
        assertNotNull(adminBrowser.get("/users").doc().selectFirst("nav a[href=/keys]"));
    }

    @Test
    void invitationsStopWorkingWhenTheirAuthorLosesTheRight() {
        Page invited = adminBrowser.submit(adminBrowser.get("/users"), "/users/invitations",
                Map.of("email", "friend@zulip.com", "role", "200"));
        String path = invited.doc().selectFirst("#invitation-link").attr("value").substring(keydesk.baseUrl().length());
        Fixtures.deactivate(admin);
        WebClient invitee = new WebClient(keydesk.baseUrl());
        Page join = invitee.get(path);
        Page refused = invitee.submit(join, path, Map.of("full_name", "Friend", "password", "long password one",
                "password_confirm", "long password one"));
        assertEquals(400, refused.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE email = 'friend@zulip.com'"));
    }

    @Test
    void administratorsCannotRevokeAnOwnersInvitation() {
        WebClient ownerBrowser = new WebClient(keydesk.baseUrl());
        ownerBrowser.login("lear@zulip.com", Fixtures.PASSWORD);
        ownerBrowser.submit(ownerBrowser.get("/users"), "/users/invitations", Map.of("email", "heir@zulip.com", "role", "100"));
        long id = Fixtures.count("SELECT id FROM invitations WHERE email = 'heir@zulip.com'");
        Page page = adminBrowser.get("/users");
        assertEquals(403, adminBrowser.post("/users/invitations/" + id + "/revoke",
                Map.of("csrf_token", WebClient.csrf(page))).status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM invitations WHERE revoked_at IS NOT NULL"));
    }

    @Test
    void deactivatingAPersonDeactivatesTheBotsOnlyTheyOwned() {
        var alone = Fixtures.bot(member, "Lonely Bot", "lonely").bot();
        var shared = Fixtures.newBot("Shared Bot").shortName("shared").owners(member, admin).createdBy(member).bot();
        Page page = adminBrowser.get("/users");
        adminBrowser.post("/users/" + member.id() + "/deactivate", Map.of("csrf_token", WebClient.csrf(page), "confirmed", "yes"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + alone.id()));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + shared.id()));
        assertTrue(Fixtures.auditEvents(alone.id()).contains("bot_deactivated"));
    }

    @Test
    void searchAndFiltersNarrowTheListAndBadValuesShowEveryone() {
        Fixtures.user("regan@zulip.com", "Regan", Role.MEMBER);
        Fixtures.deactivate(Fixtures.user("goneril@zulip.com", "Goneril", Role.MEMBER));
        assertEquals(java.util.List.of(member.fullName()), names(adminBrowser.get("/users?q=CORD")));
        assertEquals(java.util.List.of("Goneril"), names(adminBrowser.get("/users?state=deactivated")));
        assertEquals(java.util.List.of("Iago"), names(adminBrowser.get("/users?role=200")));
        assertEquals(java.util.List.of(member.fullName(), "Regan"), names(adminBrowser.get("/users?role=400&state=active")));
        assertEquals(java.util.List.of(), names(adminBrowser.get("/users?q=%25")), "a % is a character, not a wildcard");
        Page nonsense = adminBrowser.get("/users?role=7&state=gone&after=%00%7Cx&before=zzz&q=" + "x".repeat(500));
        assertEquals(200, nonsense.status());
        assertEquals(java.util.List.of(), names(nonsense), "500 x's match nobody; the rest is ignored");
        assertEquals(5, names(adminBrowser.get("/users?role=7&state=gone&after=%00%7Cx")).size());
    }

    @Test
    void pagesGoOnFromWhereTheLastOneEnded() {
        keydesk.primary().database().jdbi().useHandle(h -> h.execute("""
                INSERT INTO users (email, full_name, role, is_bot)
                SELECT format('p%s@zulip.com', n), format('Person %s', lpad(n::text, 3, '0')), 400, false
                FROM generate_series(1, 120) n"""));
        Page first = adminBrowser.get("/users?q=person");
        assertEquals(50, names(first).size());
        assertEquals("Person 001", names(first).get(0));
        assertNull(first.doc().selectFirst("a[rel=prev]"));
        Page second = adminBrowser.get(first.doc().selectFirst("a[rel=next]").attr("href"));
        assertEquals("Person 051", names(second).get(0));
        assertTrue(second.doc().selectFirst("a[rel=next]").attr("href").contains("q=person"), "the search goes along");
        Page third = adminBrowser.get(second.doc().selectFirst("a[rel=next]").attr("href"));
        assertEquals(20, names(third).size());
        assertNull(third.doc().selectFirst("a[rel=next]"));
        assertEquals(names(second), names(adminBrowser.get(third.doc().selectFirst("a[rel=prev]").attr("href"))));
    }

    @Test
    void afterAConfirmationWithoutJavaScriptTheListComesBackWhereItWasNamingThePerson() {
        Fixtures.user("regan@zulip.com", "Regan", Role.MEMBER);
        Page filtered = adminBrowser.get("/users?q=zulip&role=400");
        Page confirm = adminBrowser.submit(filtered, "/users/" + member.id() + "/deactivate", Map.of());
        assertTrue(confirm.text().contains("Deactivate " + member.fullName() + "?"), confirm.text());
        Page done = adminBrowser.submit(confirm, "/users/" + member.id() + "/deactivate", Map.of());
        assertEquals(member.fullName() + " was deactivated: their sessions ended and their API key is refused.", flash(done));
        assertEquals("zulip", done.doc().selectFirst("#people-search").attr("value"), "the same search");
        assertEquals("400", done.doc().selectFirst("#people-role option[selected]").attr("value"), "the same filter");
        assertEquals(java.util.List.of(member.fullName(), "Regan"), names(done));
        assertTrue(row(done, member).hasClass("affected"), "the row is highlighted");
        assertEquals(1, done.doc().select("tr.affected").size());

        Page roles = adminBrowser.submit(done, "/users/" + member.id() + "/role", Map.of("role", "600"));
        assertEquals(member.fullName() + "'s role was changed.", flash(roles));
        assertEquals(java.util.List.of("Regan"), names(roles), "back on the members, where Cordelia is no longer");
        assertTrue(adminBrowser.get("/users").doc().select("tr.affected").isEmpty(), "the notice is shown once");
    }

    @Test
    void aBackAddressElsewhereIsNotFollowed() {
        Page page = adminBrowser.get("/users");
        String csrf = WebClient.csrf(page);
        for (String back : java.util.List.of("https://evil.example.com/users", "//evil.example.com", "/users\\@evil", "/account")) {
            Page done = adminBrowser.post("/users/" + member.id() + "/reactivate", Map.of("csrf_token", csrf, "back", back));
            assertEquals(200, done.status());
            assertTrue(done.doc().selectFirst("h1").text().equals("Users"), back + " led to " + done.doc().title());
        }
    }

    private static java.util.List<String> names(Page page) {
        return page.doc().select("table.people tbody tr").stream()
                .map(r -> r.child(0).ownText().strip()).toList();
    }
}
