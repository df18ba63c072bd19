package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The administrators' Services page over HTTP, without JavaScript: register, choose who may call, replace the token, delete. */
@IntegrationTest
class ServicesPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private WebClient admin;
    private User iago;
    private String iagoKey;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        iago = Fixtures.member("iago@zulip.com");
        iagoKey = Fixtures.keyOf(iago);
        admin = new WebClient(keydesk.baseUrl());
        admin.login("lear@zulip.com", Fixtures.PASSWORD);
    }

    private int forwardAuth(String serviceToken) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header("X-Keydesk-Service-Token", serviceToken).header("X-Api-Key", iagoKey).GET().build()).status();
    }

    private String register(String name, String access) {
        Page form = admin.get("/services/new");
        Page shown = admin.submit(form, "/services", Map.of("name", name, "description", "Dashboards",
                "access", access, "rate_limit", ""));
        assertEquals(200, shown.status(), shown.body());
        assertEquals("no-store", shown.header("Cache-Control"));
        Element token = shown.doc().selectFirst("#service-token");
        assertNotNull(token, "the token is shown once after registering");
        assertTrue(token.attr("value").startsWith("kdsvc_"));
        return token.attr("value");
    }

    @Test
    void anAdminRegistersAServiceAndItsTokenOpensItForKeys() {
        String token = register("Grafana", "everyone");
        assertEquals(200, forwardAuth(token));
        Page list = admin.get("/services");
        Element row = list.doc().selectFirst("tr[data-service-id]");
        assertNotNull(row);
        assertTrue(row.text().contains("Grafana"));
        assertTrue(row.text().contains("Every active account"));
        assertFalse(list.body().contains(token), "the list never shows a token again");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'service_registered'"));
    }

    @Test
    void chosenAccessIsManagedWithTheSearchablePicker() {
        String token = register("Billing", "chosen");
        assertEquals(403, forwardAuth(token));
        long id = Fixtures.count("SELECT id FROM guarded_services");
        Page search = admin.get("/services/" + id + "?q=iago");
        Element add = search.doc().select("form[action=/services/" + id + "/members]").first();
        assertNotNull(add, "the search offers iago");
        Page added = admin.submit(search, "/services/" + id + "/members", Map.of());
        assertTrue(added.text().contains("may now call the service"), added.text());
        assertEquals(200, forwardAuth(token));
        Page removed = admin.submit(added, "/services/" + id + "/members/" + iago.id() + "/remove", Map.of());
        assertTrue(removed.text().contains("may no longer call"));
        assertEquals(403, forwardAuth(token));
        assertEquals("No active account matches “nobody-here”.",
                admin.get("/services/" + id + "?q=nobody-here").doc().selectFirst("#members p:last-of-type").text());
    }

    @Test
    void replacingTheTokenAsksFirstThenRetiresTheOldOne() {
        String token = register("Grafana", "everyone");
        long id = Fixtures.count("SELECT id FROM guarded_services");
        Page details = admin.get("/services/" + id);
        Page confirm = admin.submit(details, "/services/" + id + "/token", Map.of());
        assertTrue(confirm.text().contains("Generate a new service token for Grafana?"), confirm.text());
        assertEquals(200, forwardAuth(token), "nothing changed before the confirmation");
        Page shown = admin.submit(confirm, "/services/" + id + "/token", Map.of("confirmed", "yes"));
        String fresh = shown.doc().selectFirst("#service-token").attr("value");
        assertEquals(401, forwardAuth(token));
        assertEquals(200, forwardAuth(fresh));
    }

    @Test
    void badInputIsExplainedAndNothingIsSaved() {
        register("Grafana", "everyone");
        Page form = admin.get("/services/new");
        Page duplicate = admin.submit(form, "/services", Map.of("name", "grafana", "access", "everyone"));
        assertEquals(400, duplicate.status());
        assertEquals("A service with this name already exists.", duplicate.doc().selectFirst("[role=alert]").text());
        Page badRate = admin.submit(form, "/services", Map.of("name", "Search", "access", "everyone", "rate_limit", "lots"));
        assertEquals(400, badRate.status());
        assertEquals("Search", badRate.doc().selectFirst("#service-name").attr("value"), "what was typed is kept");
        Page badAccess = admin.submit(form, "/services", Map.of("name", "Search", "access", "root"));
        assertEquals(400, badAccess.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM guarded_services"));
        assertEquals(404, admin.get("/services/999999").status());
        assertEquals(404, admin.get("/services/abc").status());
    }

    @Test
    void deletingAsksFirstAndThenClosesTheDoor() {
        String token = register("Grafana", "everyone");
        long id = Fixtures.count("SELECT id FROM guarded_services");
        Page details = admin.get("/services/" + id);
        Page confirm = admin.submit(details, "/services/" + id + "/delete", Map.of());
        assertTrue(confirm.text().contains("Delete the service Grafana?"));
        Page gone = admin.submit(confirm, "/services/" + id + "/delete", Map.of("confirmed", "yes"));
        assertTrue(gone.text().contains("The service was deleted."));
        assertEquals(401, forwardAuth(token));
    }

    @Test
    void theKeysConsoleShowsAndChangesWhichServicesABotKeyOpens() {
        String everyone = register("Grafana", "everyone");
        String billing = register("Billing", "chosen");
        long billingId = Fixtures.count("SELECT id FROM guarded_services WHERE name = 'Billing'");
        Page form = admin.get("/keys/new");
        assertNotNull(form.doc().selectFirst("input[name=services][value=" + billingId + "]"), "chosen services are offered");
        Page created = admin.submit(form, "/keys", Map.of("name", "Invoice Bot", "services", Long.toString(billingId)));
        Element row = created.doc().select("tr[data-name]").stream()
                .filter(r -> r.attr("data-name").equals("Invoice Bot")).findFirst().orElseThrow();
        assertTrue(row.text().contains("Billing, Grafana"), row.text());
        assertEquals(Long.toString(billingId), row.attr("data-services"));
        long botId = Fixtures.count("SELECT id FROM users WHERE full_name = 'Invoice Bot'");
        String botKey = Fixtures.keyOf(botId);
        assertEquals(200, forwardAuthWith(billing, botKey));
        assertEquals(200, forwardAuthWith(everyone, botKey));
        assertTrue(admin.get("/bots/" + botId).doc().selectFirst("#services").text().contains("Billing"));

        Page edit = admin.get("/keys/" + botId + "/edit");
        assertTrue(edit.doc().selectFirst("input[name=services][value=" + billingId + "]").hasAttr("checked"));
        // Unticking the box: the browser sends the form without any "services" field.
        long owner = Fixtures.count("SELECT owner_id FROM bot_owners WHERE bot_id = " + botId);
        Page modified = admin.post("/keys/" + botId + "/edit", Map.of("csrf_token", WebClient.csrf(edit),
                "name", "Invoice Bot", "webhook_url", "", "accounts", Long.toString(owner)));
        assertEquals(200, modified.status(), modified.text());
        assertEquals(403, forwardAuthWith(billing, botKey), "unticked in Modify API Key: the service refuses the key");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM audit_log WHERE target_user_id = " + botId
                + " AND event_type IN ('service_member_added', 'service_member_removed')"));
    }

    /** A key made with the Keys console's New API Key form (no service ticked): its bot's id. */
    private long newKey(String name) {
        Page created = admin.submit(admin.get("/keys/new"), "/keys", Map.of("name", name));
        assertEquals(200, created.status(), created.text());
        return Fixtures.count("SELECT id FROM users WHERE full_name = '" + name + "'");
    }

    @Test
    void savingModifyApiKeyKeepsAServiceAddedWhileTheFormWasOpen() {
        String billing = register("Billing", "chosen");
        long billingId = Fixtures.count("SELECT id FROM guarded_services WHERE name = 'Billing'");
        long botId = newKey("Invoice Bot");
        String botKey = Fixtures.keyOf(botId);
        Page edit = admin.get("/keys/" + botId + "/edit");
        assertEquals("", edit.doc().selectFirst("input[name=services_before]").attr("value"));

        // Meanwhile another administrator admits the key on the service's own page.
        Fixtures.addToService(billingId, botId);
        assertEquals(200, forwardAuthWith(billing, botKey));

        Page saved = admin.submit(edit, "/keys/" + botId + "/edit", Map.of("name", "Invoice Bot 2"));
        assertEquals(200, saved.status(), saved.text());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE full_name = 'Invoice Bot 2'"));
        assertEquals(200, forwardAuthWith(billing, botKey), "the form never showed Billing, so saving it leaves Billing alone");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE target_user_id = " + botId
                + " AND event_type = 'service_member_removed'"));
    }

    @Test
    void aRefusedModifyChangesNeitherTheKeyNorItsServices() {
        String billing = register("Billing", "chosen");
        long billingId = Fixtures.count("SELECT id FROM guarded_services WHERE name = 'Billing'");
        long botId = newKey("Invoice Bot");
        newKey("Other Bot");
        String botKey = Fixtures.keyOf(botId);
        Page edit = admin.get("/keys/" + botId + "/edit");
        Page refused = admin.submit(edit, "/keys/" + botId + "/edit",
                Map.of("name", "Other Bot", "services", Long.toString(billingId)));
        assertEquals(400, refused.status(), refused.text());
        assertEquals(403, forwardAuthWith(billing, botKey), "the name was refused, so the service was not added either");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM guarded_service_members"));
    }

    private int forwardAuthWith(String serviceToken, String key) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header("X-Keydesk-Service-Token", serviceToken).header("X-Api-Key", key).GET().build()).status();
    }

    @Test
    void onlyAdministratorsSeeOrChangeServices() {
        register("Grafana", "everyone");
        long id = Fixtures.count("SELECT id FROM guarded_services");
        WebClient member = new WebClient(keydesk.baseUrl());
        Page account = member.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(403, member.get("/services").status());
        assertEquals(403, member.get("/services/" + id).status());
        String csrf = WebClient.csrf(account);
        assertEquals(403, member.post("/services", Map.of("csrf_token", csrf, "name", "Mine", "access", "everyone")).status());
        assertEquals(403, member.post("/services/" + id + "/delete", Map.of("csrf_token", csrf, "confirmed", "yes")).status());
        assertEquals(403, admin.post("/services/" + id + "/delete", Map.of("confirmed", "yes")).status(),
                "no form token, no change");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM guarded_services"));
    }
}
