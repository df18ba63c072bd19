package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The limits a person sets on their own keys from Account &amp; privacy, as a browser without
 * JavaScript submits the forms: the account's (every key of theirs) and one device's, which may
 * only narrow the account's. What is saved is what forward-auth enforces.
 */
@IntegrationTest
class OwnKeyLimitsPageTest {
    private static final String ACCOUNT = "/account/api-key/limits";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private WebClient browser;
    private GuardActions.Registered grafana;
    private GuardActions.Registered wiki;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
        grafana = Fixtures.service("Grafana", Access.EVERYONE);
        wiki = Fixtures.service("Wiki", Access.EVERYONE);
        Fixtures.service("Admin tools", Access.ADMINS);
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private static List<Map.Entry<String, String>> fields(WebClient.Page page, String... pairs) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        out.add(Map.entry("csrf_token", WebClient.csrf(page)));
        for (int i = 0; i < pairs.length; i += 2) out.add(Map.entry(pairs[i], pairs[i + 1]));
        return out;
    }

    private Http.Response forwardAuth(GuardActions.Registered service, String key, String method, String uri) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header(ForwardAuthRoutes.SERVICE_TOKEN_HEADER, service.token())
                .header("X-Forwarded-Method", method).header("X-Forwarded-Uri", uri)
                .header("Authorization", Http.basic("iago@zulip.com", key)).GET().build());
    }

    private long deviceIdOf(String client) {
        return Fixtures.count("SELECT id FROM devices WHERE client = '" + client + "'");
    }

    @Test
    void aPersonLimitsTheirKeysAndForwardAuthEnforcesIt() {
        WebClient.Page account = browser.get("/account");
        assertEquals(ACCOUNT, account.doc().selectFirst("#own-key-limits a").attr("href"));
        WebClient.Page form = browser.get(ACCOUNT);
        assertEquals(200, form.status());
        assertEquals("Now: unrestricted", form.doc().selectFirst("#limits-summary").text());
        // The services that admit a member, not the administrators' one.
        assertEquals(List.of(Long.toString(grafana.service().id()), Long.toString(wiki.service().id())),
                form.form(ACCOUNT).select("input[name=scope_service]").eachAttr("value"));

        String key = Fixtures.keyOf(iago);
        assertEquals(200, forwardAuth(grafana, key, "POST", "/api/dashboards").status(), "unrestricted before");
        WebClient.Page saved = browser.post(ACCOUNT, fields(form, "scope_mode", "chosen",
                "scope_service", Long.toString(grafana.service().id()), "scope_rules_" + grafana.service().id(), "read-only",
                "address_ranges", "", "metadata", "team: on-call"));
        assertEquals(200, saved.status(), saved.body());
        assertEquals("/account", saved.uri().getPath());
        assertTrue(saved.doc().selectFirst(".flash").text().contains("The limits of your keys were changed."), saved.text());
        assertEquals("Now: Grafana: read-only; 1 metadata pair", browser.get(ACCOUNT).doc().selectFirst("#limits-summary").text());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed' "
                + "AND target_user_id = " + iago.id() + " AND details ->> 'device_id' IS NULL"));

        assertEquals(200, forwardAuth(grafana, key, "GET", "/api/dashboards").status());
        assertEquals(403, forwardAuth(grafana, key, "POST", "/api/dashboards").status(), "a write is outside read-only");
        assertEquals(403, forwardAuth(wiki, key, "GET", "/").status(), "the wiki is outside the scope");
    }

    @Test
    void aBadValueOrAMissingFormTokenChangesNothing() {
        WebClient.Page form = browser.get(ACCOUNT);
        WebClient.Page refused = browser.post(ACCOUNT, fields(form, "scope_mode", "chosen",
                "scope_service", Long.toString(grafana.service().id()), "scope_rules_" + grafana.service().id(), "GET api",
                "address_ranges", "10.0.0.0/8"));
        assertEquals(400, refused.status());
        assertTrue(refused.doc().selectFirst("p.error").text().contains("A path pattern starts with /"),
                refused.doc().select("p.error").text());
        // The form comes back as it was typed.
        assertEquals("GET api", refused.doc().selectFirst("textarea[name=scope_rules_" + grafana.service().id() + "]").wholeText());
        assertEquals("10.0.0.0/8", refused.doc().selectFirst("textarea[name=address_ranges]").wholeText());
        assertEquals(400, browser.post(ACCOUNT, fields(form, "scope_mode", "chosen", "scope_service", "abc")).status());
        // A service that does not admit the account is not the person's to name.
        long adminTools = Fixtures.count("SELECT id FROM guarded_services WHERE name = 'Admin tools'");
        WebClient.Page notAdmitted = browser.post(ACCOUNT, fields(form, "scope_mode", "chosen", "scope_service", Long.toString(adminTools)));
        assertEquals(400, notAdmitted.status());
        assertTrue(notAdmitted.doc().selectFirst("p.error").text().contains("Admin tools does not admit iago@zulip.com"),
                notAdmitted.doc().select("p.error").text());

        WebClient.Page forged = browser.post(ACCOUNT, List.of(Map.entry("scope_mode", "chosen"),
                Map.entry("scope_service", Long.toString(grafana.service().id()))));
        assertEquals(403, forged.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed'"));
    }

    @Test
    void aPersonNarrowsOneDeviceAndForwardAuthEnforcesIt() {
        String phone = Fixtures.deviceKey(iago, "ZulipMobile", "ZulipMobile/27.1", "127.0.0.1");
        String laptop = Fixtures.deviceKey(iago, "ZulipTerminal", "ZulipTerminal/0.7.0", "127.0.0.1");
        long phoneId = deviceIdOf("ZulipMobile");
        String path = "/account/devices/" + phoneId + "/limits";
        WebClient.Page account = browser.get("/account");
        assertNotNull(account.doc().selectFirst("#devices a[href=" + path + "]"), "the device's row links to its limits");

        WebClient.Page form = browser.get(path);
        assertEquals(200, form.status());
        assertEquals("Now: no limits of its own", form.doc().selectFirst("#limits-summary").text());
        assertTrue(form.doc().selectFirst("#limits-bound").text().contains("unrestricted"), form.text());
        assertEquals(null, form.doc().selectFirst("textarea[name=metadata]"), "metadata belongs to the account");

        WebClient.Page saved = browser.post(path, fields(form, "scope_mode", "chosen",
                "scope_service", Long.toString(wiki.service().id()), "scope_rules_" + wiki.service().id(), "GET /pages/**",
                "address_ranges", "127.0.0.0/8"));
        assertEquals(200, saved.status(), saved.body());
        assertEquals("/account", saved.uri().getPath());
        assertTrue(saved.doc().selectFirst(".flash").text().contains("The limits of that device's key were changed."));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed' "
                + "AND target_user_id = " + iago.id() + " AND details ->> 'device_id' = '" + phoneId + "'"));
        assertEquals("Now: Wiki: GET /pages/**; from 127.0.0.0/8", browser.get(path).doc().selectFirst("#limits-summary").text());

        assertEquals(200, forwardAuth(wiki, phone, "GET", "/pages/home").status());
        assertEquals(403, forwardAuth(wiki, phone, "GET", "/admin").status(), "outside the device's rules");
        assertEquals(403, forwardAuth(grafana, phone, "GET", "/").status(), "outside the device's services");
        // The other device and the main key keep the account's limits: none.
        assertEquals(200, forwardAuth(grafana, laptop, "GET", "/").status());
        assertEquals(200, forwardAuth(wiki, Fixtures.keyOf(iago), "GET", "/admin").status());
    }

    @Test
    void aDeviceCannotBeGivenMoreThanTheAccount() {
        Fixtures.deviceKey(iago, "ZulipMobile", "ZulipMobile/27.1", "127.0.0.1");
        String path = "/account/devices/" + deviceIdOf("ZulipMobile") + "/limits";
        WebClient.Page accountForm = browser.get(ACCOUNT);
        assertEquals(200, browser.post(ACCOUNT, fields(accountForm, "scope_mode", "chosen",
                "scope_service", Long.toString(wiki.service().id()), "scope_rules_" + wiki.service().id(), "GET /pages/**",
                "address_ranges", "127.0.0.0/8")).status());

        WebClient.Page form = browser.get(path);
        assertTrue(form.doc().selectFirst("#limits-bound").text().contains("Wiki: GET /pages/**; from 127.0.0.0/8"),
                form.doc().selectFirst("#limits-bound").text());
        // Only the account's services are offered.
        assertEquals(List.of(Long.toString(wiki.service().id())), form.form(path).select("input[name=scope_service]").eachAttr("value"));

        WebClient.Page wider = browser.post(path, fields(form, "scope_mode", "chosen",
                "scope_service", Long.toString(wiki.service().id()), "scope_rules_" + wiki.service().id(), "POST /pages/**"));
        assertEquals(400, wider.status());
        assertEquals("The limits were not changed: Too wide: “POST /pages/**” on Wiki goes beyond the account's rules for it "
                + "(GET /pages/**).", wider.doc().selectFirst("p.error").text());
        WebClient.Page otherService = browser.post(path, fields(form, "scope_mode", "chosen",
                "scope_service", Long.toString(grafana.service().id())));
        assertEquals(400, otherService.status());
        assertTrue(otherService.doc().selectFirst("p.error").text().contains("Too wide: Grafana is not among the services"),
                otherService.doc().selectFirst("p.error").text());
        WebClient.Page widerRange = browser.post(path, fields(form, "scope_mode", "all", "address_ranges", "0.0.0.0/0"));
        assertEquals(400, widerRange.status());
        assertTrue(widerRange.doc().selectFirst("p.error").text().contains("Too wide: 0.0.0.0/0 is outside the account's address ranges"),
                widerRange.doc().selectFirst("p.error").text());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions WHERE device_id IS NOT NULL"));

        // Narrower still is fine.
        assertEquals(200, browser.post(path, fields(form, "scope_mode", "chosen", "scope_service", Long.toString(wiki.service().id()),
                "scope_rules_" + wiki.service().id(), "GET /pages/public/**", "address_ranges", "127.0.0.1")).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM key_restrictions WHERE device_id IS NOT NULL"));
    }

    @Test
    void anotherPersonsDeviceIsNotFoundAndAMissingFormTokenChangesNothing() {
        Fixtures.deviceKey(iago, "ZulipMobile", "ZulipMobile/27.1", "127.0.0.1");
        String path = "/account/devices/" + deviceIdOf("ZulipMobile") + "/limits";
        Fixtures.member("othello@zulip.com");
        WebClient othello = new WebClient(keydesk.baseUrl());
        othello.login("othello@zulip.com", Fixtures.PASSWORD);
        assertEquals(404, othello.get(path).status());
        WebClient.Page own = othello.get(ACCOUNT);
        assertEquals(404, othello.post(path, fields(own, "scope_mode", "chosen")).status());
        assertEquals(404, browser.get("/account/devices/abc/limits").status());
        assertEquals(404, browser.get("/account/devices/999999/limits").status());

        WebClient.Page forged = browser.post(path, List.of(Map.entry("scope_mode", "chosen")));
        assertEquals(403, forged.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed'"));
    }
}
