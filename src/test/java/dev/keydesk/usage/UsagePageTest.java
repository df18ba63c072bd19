package dev.keydesk.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.BotActions;
import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The administrators' Usage page over real HTTP: its chart in words and numbers, the CSV, and blocking an unused key. */
@IntegrationTest
class UsagePageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private User cordelia;
    private LocalDate today;
    private long serviceId;
    private BotActions.Created failing;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        cordelia = Fixtures.member("cordelia@zulip.com");
        serviceId = Fixtures.service("Grafana", Access.EVERYONE).service().id();
        failing = Fixtures.bot(cordelia, "Flaky Importer");
        long failingKey = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + failing.bot().id());
        Instant now = TestKeydesk.CLOCK.instant();
        today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant twoDaysAgo = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(2)).plus(Duration.ofHours(10));
        // Two days ago: 5 allowed and 1 expired in Keydesk's API, 2 invalid unknown keys at Grafana;
        // ten days ago 3 allowed at Grafana; 40 days ago (outside the period) 100 allowed.
        insert(failingKey, twoDaysAgo, 0, "allowed", 5);
        insert(failingKey, twoDaysAgo, 0, "expired", 1);
        insert(0, twoDaysAgo, serviceId, "invalid", 2);
        insert(failingKey, twoDaysAgo.minus(Duration.ofDays(8)), serviceId, "allowed", 3);
        insert(failingKey, twoDaysAgo.minus(Duration.ofDays(38)), serviceId, "allowed", 100);
    }

    private void insert(long keyId, Instant at, long serviceId, String outcome, long count) {
        keydesk.primary().database().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                        VALUES (:key, date_trunc('hour', CAST(:at AS timestamptz)), :service, :outcome, :count)""")
                .bind("key", keyId).bind("at", at).bind("service", serviceId).bind("outcome", outcome).bind("count", count)
                .execute());
        Fixtures.rollUpUsage();
    }

    private WebClient signedIn(User user) {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(user.email(), Fixtures.PASSWORD);
        return browser;
    }

    @Test
    void theChartHasATextAlternativeAndATableOfTheSameNumbers() {
        Page page = signedIn(iago).get("/usage");
        assertEquals(200, page.status(), page.body());
        assertNotNull(page.doc().selectFirst("nav a[href=/usage][aria-current=page]"), "linked in the navigation for administrators");

        Element chart = page.doc().selectFirst("svg[role=img]");
        assertNotNull(chart, page.body());
        Element title = page.doc().getElementById(chart.attr("aria-labelledby"));
        assertNotNull(title, "the chart is named by its title");
        assertEquals("title", title.tagName());
        assertTrue(title.text().contains("11 in all (8 allowed, 2 invalid key, 1 expired)"), title.text());
        assertTrue(title.text().contains("the busiest day was"), title.text());
        // A bar's segments: one per outcome of the day, the refusals patterned as well as coloured.
        assertEquals(4, chart.select("rect.use-allowed, rect.use-invalid, rect.use-expired").size(), chart.outerHtml());
        assertEquals(2, chart.select("rect[fill^=url(#use-pattern-]").size());

        List<Element> rows = page.doc().select("table.usage-days tbody tr");
        assertEquals(UsageQueries.DAYS, rows.size());
        assertEquals(today.minusDays(UsageQueries.DAYS - 1).toString(), rows.get(0).selectFirst("th").text());
        assertEquals(List.of(today.minusDays(2).toString(), "5", "2", "0", "0", "0", "1", "8"), cells(rows.get(UsageQueries.DAYS - 3)));
        assertEquals(List.of(today.minusDays(10).toString(), "3", "0", "0", "0", "0", "0", "3"), cells(rows.get(UsageQueries.DAYS - 11)));

        List<Element> services = page.doc().select("table.usage-services tbody tr");
        assertEquals(List.of("Keydesk API", "5", "0", "0", "0", "0", "1", "6"), cells(services.get(0)));
        assertEquals(List.of("Grafana", "3", "2", "0", "0", "0", "0", "5"), cells(services.get(1)));

        Element refused = page.doc().selectFirst("table.usage-refused tbody tr");
        assertNotNull(refused, page.body());
        assertTrue(refused.text().startsWith("Flaky Importer"), refused.text());
        assertEquals(List.of("bot key", "1", "9", "11 %"), cells(refused).subList(1, 5));

        Page member = signedIn(cordelia).get("/usage");
        assertEquals(403, member.status());
        assertNull(member.doc().selectFirst("nav a[href=/usage]"));
    }

    @Test
    void theCsvHoldsThePagesTable() {
        WebClient browser = signedIn(iago);
        Page csv = browser.get("/usage.csv");
        assertEquals(200, csv.status(), csv.body());
        assertTrue(csv.header("Content-Type").startsWith("text/csv"), csv.header("Content-Type"));
        assertTrue(csv.header("Content-Disposition").startsWith("attachment; filename=\"keydesk-usage-"));
        List<String> lines = csv.body().lines().toList();
        assertEquals(UsageQueries.DAYS + 1, lines.size());
        assertEquals("day,allowed,invalid,deactivated,forbidden,rate_limited,expired,total", lines.get(0));
        assertEquals(today.minusDays(2) + ",5,2,0,0,0,1,8", lines.get(UsageQueries.DAYS - 2));
        assertEquals(today.minusDays(10) + ",3,0,0,0,0,0,3", lines.get(UsageQueries.DAYS - 10));
        assertEquals(today + ",0,0,0,0,0,0,0", lines.get(UsageQueries.DAYS));
        assertEquals(403, signedIn(cordelia).get("/usage.csv").status());
    }

    @Test
    void anUnusedBotKeyIsBlockedAfterAConfirmationAndOnlyOnce() {
        BotActions.Created idle = Fixtures.bot(cordelia, "Old Exporter");
        BotActions.Created recent = Fixtures.bot(cordelia, "Nightly Sync");
        Instant now = TestKeydesk.CLOCK.instant();
        Fixtures.execute("UPDATE api_keys SET created_at = '" + now.minus(Duration.ofDays(200)) + "' WHERE user_id IN ("
                + idle.bot().id() + ", " + recent.bot().id() + ", " + failing.bot().id() + ")");
        Fixtures.execute("UPDATE api_keys SET last_used_at = '" + now.minus(Duration.ofDays(91)) + "' WHERE user_id = " + idle.bot().id());
        Fixtures.execute("UPDATE api_keys SET last_used_at = '" + now.minus(Duration.ofDays(89)) + "' WHERE user_id = " + recent.bot().id());
        Fixtures.execute("UPDATE api_keys SET last_used_at = '" + now.minus(Duration.ofDays(1)) + "' WHERE user_id = " + failing.bot().id());
        WebClient browser = signedIn(iago);

        Page page = browser.get("/usage");
        List<Element> unused = page.doc().select("table.usage-unused tbody tr");
        assertEquals(1, unused.size(), page.body());
        assertTrue(unused.get(0).text().startsWith("Old Exporter"), unused.get(0).text());
        String action = "/keys/" + idle.bot().id() + "/block";
        Element form = page.form(action);
        assertEquals("block-dialog", form.attr("data-confirm-with"));
        assertNotNull(page.doc().getElementById("block-dialog"), "the dialog a script opens to confirm");

        Page confirm = browser.submit(page, action, Map.of());
        assertEquals(200, confirm.status(), confirm.body());
        assertEquals("Block API Key", confirm.doc().selectFirst("h1").text());
        assertTrue(Fixtures.findBot(idle.bot().id()).orElseThrow().isActive(), "nothing happens before the confirmation");

        Page blocked = browser.submit(confirm, action, Map.of());
        assertEquals(200, blocked.status(), blocked.body());
        assertFalse(Fixtures.findBot(idle.bot().id()).orElseThrow().isActive());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated' AND target_user_id = "
                + idle.bot().id()));
        assertTrue(Fixtures.findBot(recent.bot().id()).orElseThrow().isActive(), "only the chosen key");
        assertEquals(0, browser.get("/usage").doc().select("table.usage-unused tbody tr").size(), "a blocked key is no longer offered");
    }

    private static List<String> cells(Element row) {
        return row.select("th, td").stream().map(Element::text).toList();
    }
}
