package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.bot.Bot;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.ForwardAuthRoutes;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Keys console's New and Modify forms with the key's limits, as a browser without JavaScript
 * sends them: the bot, its services and its limits in one request and one transaction, so a
 * refused limit leaves no bot behind. What is saved is what forward-auth enforces.
 */
@IntegrationTest
class KeysConsoleLimitsTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;
    private WebClient browser;
    private GuardActions.Registered grafana;
    private GuardActions.Registered vault;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        grafana = Fixtures.service("Grafana", Access.EVERYONE);
        vault = Fixtures.service("Vault", Access.CHOSEN);
        Fixtures.service("Admin tools", Access.ADMINS);
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private static List<Map.Entry<String, String>> fields(Page page, String... pairs) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        out.add(Map.entry("csrf_token", WebClient.csrf(page)));
        for (int i = 0; i < pairs.length; i += 2) out.add(Map.entry(pairs[i], pairs[i + 1]));
        return out;
    }

    private Http.Response forwardAuth(GuardActions.Registered service, User bot, String method, String uri) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header(ForwardAuthRoutes.SERVICE_TOKEN_HEADER, service.token())
                .header("X-Forwarded-Method", method).header("X-Forwarded-Uri", uri)
                .header("Authorization", Http.basic(bot.email(), Fixtures.keyOf(bot))).GET().build());
    }

    private User userOf(long id) {
        return keydesk.primary().database().jdbi().withExtension(UserDao.class, dao -> dao.findById(id)).orElseThrow();
    }

    private static Element row(Page page, String name) {
        return page.doc().select("tr[data-name]").stream().filter(r -> r.attr("data-name").equals(name)).findFirst().orElse(null);
    }

    private static String id(long serviceId) {
        return Long.toString(serviceId);
    }

    @Test
    void anAdministratorCreatesAKeyWithItsLimitsInOneRequest() {
        Page list = browser.get("/keys");
        // Both dialogs carry the limits fields; without JavaScript the New page does.
        for (String dialog : List.of("#new-key-dialog", "#modify-key-dialog")) {
            Element form = list.doc().selectFirst(dialog + " form");
            assertNotNull(form.selectFirst("input[name=limits_form]"), dialog);
            assertEquals(List.of(id(grafana.service().id()), id(vault.service().id())),
                    form.select("input[name=scope_service]").eachAttr("value"), "no administrators' service for a bot");
            assertNotNull(form.selectFirst("textarea[name=address_ranges]"), dialog);
            assertNotNull(form.selectFirst("textarea[name=metadata]"), dialog);
        }
        Page form = browser.get("/keys/new");
        assertEquals("Create", form.doc().selectFirst("form[action=/keys] .actions button.primary").text());

        long auditBefore = Fixtures.count("SELECT count(*) FROM audit_log");
        // Vault admits only chosen keys: ticked in the same form, its scope may name it.
        Page created = browser.post("/keys", fields(form, "name", "Report Bot", "accounts", Long.toString(admin.id()),
                "services", id(vault.service().id()), "limits_form", "yes", "scope_mode", "chosen",
                "scope_service", id(grafana.service().id()), "scope_rules_" + grafana.service().id(), "read-only",
                "scope_service", id(vault.service().id()), "scope_rules_" + vault.service().id(), "GET /v1/reports/**",
                "address_ranges", "127.0.0.0/8", "metadata", "team: finance"));
        assertEquals(200, created.status(), created.body());
        Element row = row(created, "Report Bot");
        assertNotNull(row, created.text());
        long botId = Long.parseLong(row.selectFirst("a[data-modify-key]").attr("data-modify-key").split("/")[2]);
        assertEquals("Grafana: read-only; Vault: GET /v1/reports/**; from 127.0.0.0/8; 1 metadata pair",
                row.selectFirst("a.key-limits").text());
        // The per-row link to the limits page stays.
        assertEquals("/bots/" + botId + "/api-key/limits?back=%2Fkeys", row.selectFirst("a.key-limits").attr("href"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed' "
                + "AND target_user_id = " + botId));
        assertTrue(Fixtures.count("SELECT count(*) FROM audit_log") > auditBefore + 1);

        User bot = userOf(botId);
        assertEquals(200, forwardAuth(grafana, bot, "GET", "/d/overview").status());
        assertEquals(403, forwardAuth(grafana, bot, "POST", "/api/dashboards").status(), "outside read-only");
        assertEquals(200, forwardAuth(vault, bot, "GET", "/v1/reports/2026").status());
        assertEquals(403, forwardAuth(vault, bot, "GET", "/v1/secrets/db").status(), "outside the rules");
    }

    @Test
    void aRefusedLimitLeavesNoBotBehind() {
        Page form = browser.get("/keys/new");
        // Vault is named in the scope but not ticked: it does not admit the new bot. The bot was
        // already written when the limits were checked, in the same transaction, so nothing stays.
        Page refused = browser.post("/keys", fields(form, "name", "Report Bot", "accounts", Long.toString(admin.id()),
                "limits_form", "yes", "scope_mode", "chosen", "scope_service", id(vault.service().id()),
                "address_ranges", "10.0.0.0/8"));
        assertEquals(400, refused.status());
        assertTrue(refused.doc().selectFirst("#key-limits-error").text().contains("Vault does not admit"),
                refused.doc().select(".error").text());
        // The form comes back as typed.
        assertEquals("Report Bot", refused.doc().selectFirst("input[name=name]").val());
        assertEquals("10.0.0.0/8", refused.doc().selectFirst("textarea[name=address_ranges]").wholeText());
        assertTrue(refused.doc().selectFirst("input[name=scope_mode][value=chosen]").hasAttr("checked"));
        assertEquals("Create", refused.doc().selectFirst("form[action=/keys] .actions button.primary").text());
        Page badRange = browser.post("/keys", fields(form, "name", "Report Bot", "limits_form", "yes", "scope_mode", "all",
                "address_ranges", "example.com"));
        assertEquals(400, badRange.status());
        assertTrue(badRange.text().contains("“example.com” is not an address range"), badRange.text());
        Page badMetadata = browser.post("/keys", fields(form, "name", "Report Bot", "limits_form", "yes", "scope_mode", "all",
                "metadata", "no colon here"));
        assertEquals(400, badMetadata.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type IN ('bot_created', 'key_restrictions_changed')"));
    }

    @Test
    void anAdministratorModifiesAKeyWithItsLimitsInOneRequest() throws Exception {
        Bot helper = Fixtures.bot(admin, "Helper Bot").bot();
        String path = "/keys/" + helper.id() + "/edit";
        Page edit = browser.get(path);
        assertEquals("Modify", edit.doc().selectFirst("form[action=" + path + "] .actions button.primary").text());
        assertTrue(edit.doc().selectFirst("input[name=scope_mode][value=all]").hasAttr("checked"));
        Page modified = browser.post(path, fields(edit, "name", "Helper Bot", "accounts", Long.toString(admin.id()),
                "services_before", "", "limits_form", "yes", "scope_mode", "chosen",
                "scope_service", id(grafana.service().id()), "scope_rules_" + grafana.service().id(), "GET /api/**",
                "address_ranges", "", "metadata", ""));
        assertEquals(200, modified.status(), modified.body());
        Element row = row(modified, "Helper Bot");
        assertEquals("Grafana: GET /api/**", row.selectFirst("a.key-limits").text());
        // The row carries the limits for the Modify dialog's script to fill in.
        JsonNode limits = new ObjectMapper().readTree(row.attr("data-limits"));
        assertTrue(limits.get("chosen").asBoolean());
        assertEquals("GET /api/**", limits.get("services").get(id(grafana.service().id())).asText());
        User bot = userOf(helper.id());
        assertEquals(200, forwardAuth(grafana, bot, "GET", "/api/health").status());
        assertEquals(403, forwardAuth(grafana, bot, "GET", "/admin").status(), "outside the scope");

        // The page shows the limits again; sending them unchanged writes no second audit row.
        Page again = browser.get(path);
        assertEquals("GET /api/**", again.doc().selectFirst("textarea[name=scope_rules_" + grafana.service().id() + "]").wholeText());
        assertEquals(200, browser.post(path, fields(again, "name", "Helper Bot (renamed)", "accounts", Long.toString(admin.id()),
                "services_before", "", "limits_form", "yes", "scope_mode", "chosen",
                "scope_service", id(grafana.service().id()), "scope_rules_" + grafana.service().id(), "GET /api/**")).status());
        // A form without the limits fields (an older page) leaves them alone.
        assertEquals(200, browser.post(path, fields(again, "name", "Helper Bot (renamed)", "accounts", Long.toString(admin.id()),
                "services_before", "")).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed' "
                + "AND target_user_id = " + helper.id()));

        // A refused limit changes nothing else of the same form either.
        Page refused = browser.post(path, fields(again, "name", "Someone Else", "accounts", Long.toString(admin.id()),
                "services_before", "", "limits_form", "yes", "scope_mode", "chosen", "scope_service", id(grafana.service().id()),
                "scope_rules_" + grafana.service().id(), "FETCH* /x"));
        assertEquals(400, refused.status());
        assertTrue(refused.text().contains("is not a method list"), refused.text());
        assertEquals("Helper Bot (renamed)", userOf(helper.id()).fullName());
        assertEquals(200, forwardAuth(grafana, bot, "GET", "/api/health").status());
    }

    @Test
    void membersAreForbiddenAndAMissingFormTokenChangesNothing() {
        Bot helper = Fixtures.bot(admin, "Helper Bot").bot();
        Fixtures.member("cordelia@zulip.com");
        WebClient member = new WebClient(keydesk.baseUrl());
        Page home = member.login("cordelia@zulip.com", Fixtures.PASSWORD);
        List<Map.Entry<String, String>> limits = List.of(Map.entry("limits_form", "yes"), Map.entry("scope_mode", "chosen"),
                Map.entry("scope_service", id(grafana.service().id())));
        List<Map.Entry<String, String>> create = new ArrayList<>(fields(home, "name", "Sneaky Bot"));
        create.addAll(limits);
        List<Map.Entry<String, String>> modify = new ArrayList<>(fields(home, "name", "Helper Bot"));
        modify.addAll(limits);
        assertEquals(403, member.post("/keys", create).status());
        assertEquals(403, member.post("/keys/" + helper.id() + "/edit", modify).status());

        List<Map.Entry<String, String>> forged = new ArrayList<>(List.of(Map.entry("name", "Helper Bot")));
        forged.addAll(limits);
        assertEquals(403, browser.post("/keys/" + helper.id() + "/edit", forged).status());
        List<Map.Entry<String, String>> forgedNew = new ArrayList<>(List.of(Map.entry("name", "Sneaky Bot")));
        forgedNew.addAll(limits);
        assertEquals(403, browser.post("/keys", forgedNew).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
    }
}
