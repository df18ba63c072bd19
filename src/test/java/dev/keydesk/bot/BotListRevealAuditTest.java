package dev.keydesk.bot;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/bots reveals every listed key: one "key revealed" audit row per call, naming every
 * bot, and the Audit log still finds it when filtered by any one of them.
 */
@IntegrationTest
class BotListRevealAuditTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestKeydesk keydesk = TestKeydesk.get();
    private String auth;
    private final List<Long> botIds = new ArrayList<>();
    private final List<String> botEmails = new ArrayList<>();

    @BeforeEach
    void setUp() {
        keydesk.reset();
        User iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        auth = Http.basic("iago@zulip.com", Fixtures.keyOf(iago));
        for (String name : List.of("alpha", "bravo", "charlie")) {
            Http.Response created = Http.postForm(keydesk.baseUrl() + "/api/v1/bots",
                    Map.of("full_name", "Bot " + name, "short_name", name), auth);
            assertEquals(200, created.status(), created.body());
            botIds.add(created.json().get("user_id").asLong());
            botEmails.add(name + "-bot@localhost");
        }
    }

    private static long reveals() {
        return Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_revealed'");
    }

    @Test
    void oneCallIsOneAuditRowNamingEveryBot() throws Exception {
        long before = reveals();
        Http.Response list = Http.get(keydesk.baseUrl() + "/api/v1/bots", auth);
        assertEquals(200, list.status(), list.body());
        assertEquals(3, list.json().get("bots").size());

        assertEquals(before + 1, reveals(), "one row for the call, not one per bot");
        Map<String, Object> row = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT target_user_id, details::text AS details, actor_label FROM audit_log
                        WHERE event_type = 'api_key_revealed' ORDER BY id DESC LIMIT 1""").mapToMap().one());
        assertNull(row.get("target_user_id"), "the row is about several accounts");
        assertEquals("iago@zulip.com", row.get("actor_label"));
        JsonNode details = JSON.readTree((String) row.get("details"));
        assertEquals("bot list", details.get("purpose").asText());
        List<Long> ids = new ArrayList<>();
        details.get("target_ids").forEach(n -> ids.add(n.asLong()));
        assertEquals(botIds, ids);
        List<String> emails = new ArrayList<>();
        details.get("targets").forEach(n -> emails.add(n.asText()));
        assertEquals(botEmails, emails);

        // Who saw bravo's key? The Audit log's target filter finds the row through any bot it names.
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("iago@zulip.com", Fixtures.PASSWORD);
        WebClient.Page page = admin.get("/audit-log?event=api_key_revealed&target=bravo-bot");
        List<Element> rows = page.doc().select("table.audit tbody tr");
        assertEquals(1, rows.size(), page.body());
        String target = rows.get(0).child(3).text();
        for (String email : botEmails) assertTrue(target.contains(email), target);
        assertTrue(target.startsWith("3 accounts"), target);
        assertEquals(0, admin.get("/audit-log?event=api_key_revealed&target=delta-bot")
                .doc().select("table.audit tbody tr").size());
    }

    @Test
    void aListOfOneIsARowAboutThatBot() {
        Http.Response deleted = Http.raw("DELETE", keydesk.baseUrl() + "/api/v1/bots/" + botIds.get(0), null, null,
                Map.of("Authorization", auth));
        assertEquals(200, deleted.status());
        Http.raw("DELETE", keydesk.baseUrl() + "/api/v1/bots/" + botIds.get(1), null, null, Map.of("Authorization", auth));
        long before = Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_revealed' AND target_user_id = "
                + botIds.get(2));
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/bots", auth).status());
        assertEquals(before + 1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_revealed' "
                + "AND target_user_id = " + botIds.get(2)));
    }
}
