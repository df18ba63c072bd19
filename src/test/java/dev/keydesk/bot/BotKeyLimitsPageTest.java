package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.audit.Actor;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardedService;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page that sets a bot key's limits, as a browser without JavaScript submits its form. */
@IntegrationTest
class BotKeyLimitsPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private WebClient owner;
    private BotActions.Created bot;
    private GuardedService grafana;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        User iago = Fixtures.member("iago@zulip.com");
        bot = keydesk.primary().services().bots().createBot(Actor.commandLine(), iago,
                new BotActions.NewBot("Reader Bot", "reader", BotType.GENERIC, null, BotInterface.ZULIP, null, List.of()));
        grafana = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", Access.EVERYONE, null)).service();
        keydesk.primary().services().guard().register(Actor.commandLine(), new GuardActions.Spec("Admin tools", "", Access.ADMINS, null));
        owner = new WebClient(keydesk.baseUrl());
        owner.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private String path() {
        return "/bots/" + bot.bot().id() + "/api-key/limits";
    }

    @Test
    void theOwnerNarrowsTheKeyWithThePlainForm() {
        WebClient.Page details = owner.get("/bots/" + bot.bot().id());
        assertEquals(path(), details.doc().selectFirst("#key-limits a").attr("href"));
        WebClient.Page form = owner.get(path());
        assertEquals(200, form.status());
        assertEquals("Now: unrestricted", form.doc().selectFirst("#limits-summary").text());
        Element page = form.form(path());
        // Only services that admit the bot are offered: not the administrators' one.
        assertEquals(List.of(Long.toString(grafana.id())), page.select("input[name=scope_service]").eachAttr("value"));
        assertTrue(page.selectFirst("input[name=scope_mode][value=all]").hasAttr("checked"));

        WebClient.Page saved = owner.post(path(), List.of(
                Map.entry("csrf_token", WebClient.csrf(form)), Map.entry("back", ""),
                Map.entry("scope_mode", "chosen"), Map.entry("scope_service", Long.toString(grafana.id())),
                Map.entry("scope_rules_" + grafana.id(), "GET /api/**\r\nread-only"),
                Map.entry("address_ranges", "10.0.0.0/8\r\n2001:db8::/32"), Map.entry("metadata", "team: payments")));
        assertEquals(200, saved.status(), saved.body());
        assertTrue(saved.uri().getPath().equals("/bots/" + bot.bot().id()), saved.uri().toString());
        assertTrue(saved.text().contains("What the key may open was changed."), saved.text());

        WebClient.Page again = owner.get(path());
        assertEquals("Now: Grafana: GET /api/**, read-only; from 10.0.0.0/8, 2001:db8::/32; 1 metadata pair",
                again.doc().selectFirst("#limits-summary").text());
        assertTrue(again.doc().selectFirst("input[name=scope_mode][value=chosen]").hasAttr("checked"));
        assertTrue(again.doc().selectFirst("input[name=scope_service]").hasAttr("checked"));
        assertEquals("GET /api/**\nread-only", again.doc().selectFirst("textarea[name=scope_rules_" + grafana.id() + "]").wholeText());
        assertEquals("team: payments", again.doc().selectFirst("textarea[name=metadata]").wholeText());
    }

    @Test
    void aBadValueShowsTheReasonAndSavesNothing() {
        WebClient.Page form = owner.get(path());
        WebClient.Page refused = owner.submit(form, path(), Map.of("scope_mode", "all", "address_ranges", "example.com"));
        assertEquals(400, refused.status());
        assertTrue(refused.doc().selectFirst("p.error").text().contains("“example.com” is not an address range"),
                refused.doc().select("p.error").text());
        WebClient.Page badRule = owner.post(path(), List.of(Map.entry("csrf_token", WebClient.csrf(form)),
                Map.entry("scope_mode", "chosen"), Map.entry("scope_service", Long.toString(grafana.id())),
                Map.entry("scope_rules_" + grafana.id(), "GET api")));
        assertEquals(400, badRule.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_restrictions"));
        // Someone who does not manage the bot cannot see or change its limits.
        Fixtures.member("othello@zulip.com");
        WebClient other = new WebClient(keydesk.baseUrl());
        other.login("othello@zulip.com", Fixtures.PASSWORD);
        assertEquals(404, other.get(path()).status());
    }
}
