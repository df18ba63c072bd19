package dev.keydesk.devicegrant;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.audit.Actor;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.ForwardAuthRoutes;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Limits chosen for a device's key while approving its sign-in on /device, over real HTTP with a
 * browser that runs no script: the key the client then collects has exactly those limits (as
 * forward-auth enforces them and the device's limits page shows them), none when nothing was
 * chosen, and limits that are malformed or wider than the account's are refused with nothing approved.
 */
@IntegrationTest
class DeviceLoginLimitsTest {
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
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    @AfterEach
    void backToRealTime() {
        TestKeydesk.CLOCK.reset();
    }

    private record Started(String deviceCode, String userCode) {}

    private Started authorize(String client) {
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/device_authorization", form("client", client), null,
                Map.of("User-Agent", client + "/1.0 (Linux)"));
        assertEquals(200, r.status(), r.body());
        return new Started(r.json().get("device_code").asText(), r.json().get("user_code").asText());
    }

    /** A poll a full interval after the last one. */
    private Http.Response poll(String deviceCode) {
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(DeviceGrantActions.INTERVAL_SECONDS));
        return Http.postForm(keydesk.baseUrl() + "/api/v1/device_token", form("grant_type", DeviceGrantApiRoutes.GRANT_TYPE,
                "device_code", deviceCode), null, Map.of("User-Agent", "ZulipTerminal/1.0 (Linux)"));
    }

    private String keyFrom(String deviceCode) {
        Http.Response issued = poll(deviceCode);
        assertEquals(200, issued.status(), issued.body());
        return issued.json().get("api_key").asText();
    }

    private Page review(Started started) {
        Page review = browser.submit(browser.get("/device"), "/device", Map.of("user_code", started.userCode()));
        assertEquals(200, review.status(), review.body());
        return review;
    }

    private Page approve(Page review, String userCode, String... pairs) {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        fields.add(Map.entry("csrf_token", WebClient.csrf(review)));
        fields.add(Map.entry("user_code", userCode));
        for (int i = 0; i < pairs.length; i += 2) fields.add(Map.entry(pairs[i], pairs[i + 1]));
        return browser.post("/device/approve", fields);
    }

    private Http.Response forwardAuth(GuardActions.Registered service, String key, String method, String uri) {
        return Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                .header(ForwardAuthRoutes.SERVICE_TOKEN_HEADER, service.token())
                .header("X-Forwarded-Method", method).header("X-Forwarded-Uri", uri)
                .header("Authorization", Http.basic("iago@zulip.com", key)).GET().build());
    }

    private static String status(String client) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT status FROM device_authorizations WHERE client = :c").bind("c", client).mapTo(String.class).one());
    }

    private String limitsPageSummary(String client) {
        long deviceId = Fixtures.count("SELECT id FROM devices WHERE client = '" + client + "'");
        Page limits = browser.get("/account/devices/" + deviceId + "/limits");
        assertEquals(200, limits.status(), limits.body());
        return limits.doc().selectFirst("#limits-summary").text();
    }

    @Test
    void limitsChosenWhileApprovingAreTheDeviceKeysFromItsFirstRequest() {
        Started started = authorize("ZulipTerminal");
        Page review = review(started);
        Element limits = review.doc().selectFirst("form[action=/device/approve] details#device-limits");
        assertNotNull(limits, "the limits part belongs to the approval form");
        assertFalse(limits.hasAttr("open"), "collapsed while nothing is chosen");
        assertEquals(List.of(Long.toString(grafana.service().id()), Long.toString(wiki.service().id())),
                limits.select("input[name=scope_service]").eachAttr("value"));
        assertEquals(null, limits.selectFirst("textarea[name=metadata]"), "metadata belongs to the account");

        Page approved = approve(review, started.userCode(), "scope_mode", "chosen",
                "scope_service", Long.toString(grafana.service().id()), "scope_rules_" + grafana.service().id(), "read-only",
                "address_ranges", "127.0.0.0/8");
        assertEquals(200, approved.status(), approved.body());
        assertTrue(approved.doc().selectFirst("h1").text().contains("is signed in"), approved.text());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'device_login_approved' "
                + "AND details ->> 'key_limits' = 'Grafana: read-only; from 127.0.0.0/8'"), "the approval says limits were set");

        String key = keyFrom(started.deviceCode());
        assertEquals(200, forwardAuth(grafana, key, "GET", "/api/dashboards").status());
        assertEquals(403, forwardAuth(grafana, key, "POST", "/api/dashboards").status(), "read-only");
        assertEquals(403, forwardAuth(wiki, key, "GET", "/").status(), "outside the scope");
        assertEquals(200, forwardAuth(grafana, Fixtures.keyOf(iago), "POST", "/api/dashboards").status(),
                "the account's own key is not limited");
        assertEquals("Now: Grafana: read-only; from 127.0.0.0/8", limitsPageSummary("ZulipTerminal"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed' "
                + "AND details ->> 'device_id' IS NOT NULL"));
    }

    @Test
    void approvingWithNothingChosenGivesNoLimitsOfItsOwn() {
        Started started = authorize("ZulipTerminal");
        Page approved = browser.submit(review(started), "/device/approve", Map.of());
        assertEquals(200, approved.status(), approved.body());
        String key = keyFrom(started.deviceCode());
        assertEquals(200, forwardAuth(grafana, key, "POST", "/api/dashboards").status());
        assertEquals(200, forwardAuth(wiki, key, "GET", "/").status());
        assertEquals("Now: no limits of its own", limitsPageSummary("ZulipTerminal"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE details ->> 'key_limits' IS NOT NULL"));
    }

    @Test
    void limitsWiderThanTheAccountsAreRefusedAndNothingIsApproved() {
        keydesk.primary().services().keyRestrictions().setForAccount(Actor.commandLine(), iago.id(),
                new KeyRestrictions.Limits(KeyScope.of(Map.of(grafana.service().id(), List.of(ScopeRule.parse("read-only")))),
                        AddressRanges.parse("127.0.0.0/8"), KeyMetadata.NONE));
        Started started = authorize("ZulipTerminal");
        Page review = review(started);
        assertTrue(review.doc().selectFirst("#device-limits-bound").text().contains("Grafana: read-only"), review.text());
        assertEquals(List.of(Long.toString(grafana.service().id())),
                review.doc().select("#device-limits input[name=scope_service]").eachAttr("value"), "only what the account may open");

        Page refused = approve(review, started.userCode(), "scope_mode", "chosen",
                "scope_service", Long.toString(grafana.service().id()), "scope_rules_" + grafana.service().id(), "POST /api/**",
                "address_ranges", "127.0.0.1/32");
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.doc().selectFirst("#device-limits-error").text().contains("Too wide: “POST /api/**” on Grafana"),
                refused.text());
        assertTrue(refused.doc().selectFirst("details#device-limits").hasAttr("open"), "open to show the refusal");
        assertEquals("POST /api/**", refused.doc().selectFirst("textarea[name=scope_rules_" + grafana.service().id() + "]").wholeText());
        assertEquals("127.0.0.1/32", refused.doc().selectFirst("textarea[name=address_ranges]").wholeText());
        assertTrue(refused.doc().selectFirst("input[name=scope_service]").hasAttr("checked"));
        assertTrue(refused.doc().selectFirst("input[name=scope_mode][value=chosen]").hasAttr("checked"));

        Page tooFar = approve(refused, started.userCode(), "address_ranges", "10.0.0.0/8");
        assertEquals(400, tooFar.status(), tooFar.body());
        assertTrue(tooFar.doc().selectFirst("#device-limits-error").text().contains("outside the account's address ranges"),
                tooFar.text());

        assertEquals("pending", status("ZulipTerminal"));
        Http.Response pending = poll(started.deviceCode());
        assertEquals("authorization_pending", pending.json().get("error").asText(), pending.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'device_login_approved'"));

        // Narrower limits are then approved from the same page.
        Page approved = approve(tooFar, started.userCode(), "address_ranges", "127.0.0.1/32");
        assertEquals(200, approved.status(), approved.body());
        keyFrom(started.deviceCode());
        assertEquals("Now: from 127.0.0.1/32", limitsPageSummary("ZulipTerminal"));
    }

    @Test
    void aMalformedRangeIsRefusedAndNothingIsApproved() {
        Started started = authorize("ZulipTerminal");
        Page refused = approve(review(started), started.userCode(), "scope_mode", "all", "address_ranges", "10.0.0.0/33");
        assertEquals(400, refused.status(), refused.body());
        assertNotNull(refused.doc().selectFirst("#device-limits-error"), refused.text());
        assertEquals("10.0.0.0/33", refused.doc().selectFirst("textarea[name=address_ranges]").wholeText());
        assertNotNull(refused.doc().selectFirst("form[action=/device/approve]"), "the request can still be approved");
        assertEquals("pending", status("ZulipTerminal"));
        Http.Response pending = poll(started.deviceCode());
        assertEquals("authorization_pending", pending.json().get("error").asText(), pending.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'device_login_approved'"));
    }
}
