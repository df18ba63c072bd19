package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
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
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A bot's page shows its key's last 30 days to its owners and the administrators: chart, table, services, busiest hours. */
@IntegrationTest
class BotPageUsageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User cordelia;
    private User iago;
    private BotActions.Created bot;
    private long serviceId;
    private Instant twoDaysAgo;
    private LocalDate today;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        cordelia = Fixtures.member("cordelia@zulip.com");
        Fixtures.member("hamlet@zulip.com");
        serviceId = Fixtures.service("Grafana", Access.EVERYONE).service().id();
        bot = Fixtures.bot(cordelia, "Nightly Importer");
        long key = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + bot.bot().id());
        Instant now = TestKeydesk.CLOCK.instant();
        today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        twoDaysAgo = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(2)).plus(Duration.ofHours(14));
        // Two days ago at 14:00: 40 allowed in the API, 4 rate-limited at Grafana; at 09:00, 7 allowed at Grafana;
        // five days ago at 14:00, 12 allowed in the API; 45 days ago (outside the period) 500.
        Fixtures.usage(key, twoDaysAgo, 0, "allowed", 40);
        Fixtures.usage(key, twoDaysAgo, serviceId, "rate_limited", 4);
        Fixtures.usage(key, twoDaysAgo.minus(Duration.ofHours(5)), serviceId, "allowed", 7);
        Fixtures.usage(key, twoDaysAgo.minus(Duration.ofDays(3)), 0, "allowed", 12);
        Fixtures.usage(key, twoDaysAgo.minus(Duration.ofDays(43)), 0, "allowed", 500);
        // Another bot's use shows on its own page only.
        long other = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = "
                + Fixtures.bot(cordelia, "Quiet Bot").bot().id());
        Fixtures.usage(other, twoDaysAgo, 0, "allowed", 1000);
    }

    private WebClient signedIn(String email) {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(email, Fixtures.PASSWORD);
        return browser;
    }

    private static List<String> cells(Element row) {
        return row.select("th, td").eachText();
    }

    @Test
    void anOwnerSeesTheChartItsTableTheServicesAndTheBusiestHours() {
        for (String email : List.of(cordelia.email(), iago.email())) {
            Page page = signedIn(email).get("/bots/" + bot.bot().id());
            assertEquals(200, page.status(), page.body());
            Element section = page.doc().selectFirst("section#usage");
            assertNotNull(section, page.body());
            assertTrue(section.text().contains("63 requests in the last 30 days"), section.text());

            Element chart = section.selectFirst("svg[role=img]");
            assertNotNull(chart);
            String title = page.doc().getElementById(chart.attr("aria-labelledby")).text();
            assertTrue(title.contains("63 in all (59 allowed, 4 rate-limited)"), title);
            assertTrue(title.contains("the busiest day was"), title);

            List<Element> days = section.select("table.usage-days tbody tr");
            assertEquals(30, days.size());
            assertEquals(List.of(today.minusDays(2).toString(), "47", "0", "0", "0", "4", "0", "51"), cells(days.get(27)));
            assertEquals(List.of(today.minusDays(5).toString(), "12", "0", "0", "0", "0", "0", "12"), cells(days.get(24)));
            assertEquals(List.of(today.toString(), "0", "0", "0", "0", "0", "0", "0"), cells(days.get(29)));

            List<Element> services = section.select("table.usage-services tbody tr");
            assertEquals(2, services.size(), section.outerHtml());
            assertEquals(List.of("Keydesk API", "52", "0", "0", "0", "0", "0", "52"), cells(services.get(0)));
            assertEquals(List.of("Grafana", "7", "0", "0", "0", "4", "0", "11"), cells(services.get(1)));

            List<String> busiest = section.select("ol.usage-busiest li").eachText();
            assertEquals(3, busiest.size(), busiest.toString());
            assertTrue(busiest.get(0).endsWith(", 14:00–15:00 UTC: 44 requests"), busiest.toString());
            assertTrue(busiest.get(1).endsWith(", 14:00–15:00 UTC: 12 requests"), busiest.toString());
            assertTrue(busiest.get(2).endsWith(", 09:00–10:00 UTC: 7 requests"), busiest.toString());
        }
    }

    /**
     * The page's reads, its use and the check that the bot is theirs to manage included, share one
     * read-only transaction. Before it comes the signed-in person's lookup, after it the reveal of
     * the key with its audit row: three in all (six when the check and the step-up rule read on
     * their own, fifteen when every read did).
     */
    @Test
    void thePagesReadsShareOneTransaction() {
        var transactions = keydesk.primary().services().metrics().requestTransactions("/bots/{bot_id}", "GET");
        var statements = keydesk.primary().services().metrics().requestStatements("/bots/{bot_id}", "GET");
        WebClient browser = signedIn(cordelia.email());
        assertEquals(200, browser.get("/bots/" + bot.bot().id()).status());
        Wait.until("the first page was counted", Duration.ofSeconds(30), () -> transactions.count() >= 1);
        long requestsBefore = transactions.count();
        double transactionsBefore = transactions.totalAmount();
        double statementsBefore = statements.totalAmount();
        for (int i = 0; i < 5; i++) assertEquals(200, browser.get("/bots/" + bot.bot().id()).status());
        Wait.until("every page was counted", Duration.ofSeconds(30), () -> transactions.count() - requestsBefore == 5);
        double perPage = (transactions.totalAmount() - transactionsBefore) / 5;
        double statementsPerPage = (statements.totalAmount() - statementsBefore) / 5;
        // The organization's name, cached for ten seconds, may be read once more among the five.
        assertTrue(perPage >= 3.0 && perPage < 3.5, perPage + " transactions per page, " + statementsPerPage + " statements");
    }

    @Test
    void anotherMemberSeesNoneOfIt() {
        Page page = signedIn("hamlet@zulip.com").get("/bots/" + bot.bot().id());
        assertNotEquals(200, page.status());
        assertNull(page.doc().selectFirst("section#usage"));
        assertNull(page.doc().selectFirst("svg[role=img]"));
        assertTrue(!page.body().contains("63 requests"), page.body());
    }

    @Test
    void aKeyWithNoUseSaysSoInWords() {
        Fixtures.execute("DELETE FROM key_usage_hourly");
        Page page = signedIn(cordelia.email()).get("/bots/" + bot.bot().id());
        assertEquals(200, page.status());
        Element section = page.doc().selectFirst("section#usage");
        assertEquals("This bot's key made no requests in the last 30 days.", section.selectFirst("p").text());
        assertNull(section.selectFirst("svg"));
        assertNull(section.selectFirst("table"));
    }
}
