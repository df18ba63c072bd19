package dev.keydesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@IntegrationTest
class AuditLogPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private WebClient admin;
    private User member;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        admin = new WebClient(keydesk.baseUrl());
        admin.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private static List<String> events(Page page) {
        return page.doc().select("table.audit tbody tr").stream().map(r -> r.child(1).text()).toList();
    }

    @Test
    void showsWhoDidWhatToWhomNewestFirstWithoutKeys() {
        String key = Fixtures.keyOf(member);
        Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                Http.basic("cordelia@zulip.com", key), Map.of("User-Agent", "curl/8"));
        Page page = admin.get("/audit-log");
        assertEquals(200, page.status());
        var first = page.doc().selectFirst("table.audit tbody tr");
        assertEquals("api key changed", first.child(1).text());
        assertEquals("cordelia@zulip.com", first.child(2).text());
        assertEquals("cordelia@zulip.com", first.child(3).text());
        assertEquals("127.0.0.1", first.child(4).text());
        assertTrue(events(page).containsAll(List.of("user created", "api key revealed", "organization created")));
        assertFalse(page.body().contains(key));
        assertFalse(page.body().contains(Fixtures.keyOf(member)));
    }

    @Test
    void filtersByEventActorAndTarget() {
        Fixtures.deactivate(member);
        assertEquals(List.of("user deactivated"), events(admin.get("/audit-log?event=user_deactivated")));
        List<String> aboutCordelia = events(admin.get("/audit-log?target=cordelia"));
        assertTrue(aboutCordelia.contains("user deactivated") && aboutCordelia.contains("user created"));
        assertFalse(events(admin.get("/audit-log?target=iago")).contains("user deactivated"));
        assertEquals(List.of(), events(admin.get("/audit-log?actor=nobody_like_this%25")));
        assertTrue(events(admin.get("/audit-log?actor=command")).contains("user deactivated"), "the command line acted");
        assertEquals(200, admin.get("/audit-log?event=not-an-event&page=banana").status());
        for (String bad : List.of("after=banana", "before=2026-13-01T00:00:00Z%7C1", "after=%2B999999999-01-01T00:00:00Z%7C1",
                "after=2026-01-01T00:00:00Z%7C99999999999999999999", "before=%7C", "after=%00%7C1")) {
            assertEquals(200, admin.get("/audit-log?" + bad).status(), bad);
        }
    }

    @Test
    void pagesFiftyAtATime() {
        for (int i = 0; i < 60; i++) Fixtures.keyOf(member); // each reveal is an entry
        Page first = admin.get("/audit-log?event=api_key_revealed");
        assertEquals(50, events(first).size());
        Page second = admin.get(first.doc().selectFirst("a[rel=next]").attr("href"));
        assertEquals(10, events(second).size());
        assertNull(second.doc().selectFirst("a[rel=next]"));
        Page back = admin.get(second.doc().selectFirst("a[rel=prev]").attr("href"));
        assertEquals(50, events(back).size());
        assertNull(back.doc().selectFirst("a[rel=prev]"), "Newer from the second page is the first");
        assertTrue(first.text().contains("60 entries"));
    }
}
