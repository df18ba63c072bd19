package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.Bot;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Keys list's use: each row's 30-day sparkline in words, and the "not used for 30 / 90 days"
 * and "failing" filters, which keep the search, the sort and the keyset paging.
 */
@IntegrationTest
class KeysConsoleUsageTest {
    private static final int BOTS = 120;
    private final TestKeydesk keydesk = TestKeydesk.get();
    private final List<Bot> bots = new ArrayList<>();
    private WebClient browser;
    private Bot fresh;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User member = Fixtures.member("cordelia@zulip.com");
        Instant now = TestKeydesk.CLOCK.instant();
        for (int i = 0; i < BOTS; i++) {
            Bot bot = Fixtures.bot(member, String.format("Use %03d", i)).bot();
            bots.add(bot);
            // Last use by i % 4: never, 10 days ago, 45 days ago, 100 days ago; every key 200 days old.
            Instant lastUsed = switch (i % 4) {
                case 0 -> null;
                case 1 -> now.minus(Duration.ofDays(10));
                case 2 -> now.minus(Duration.ofDays(45));
                default -> now.minus(Duration.ofDays(100));
            };
            Fixtures.execute("UPDATE api_keys SET created_at = timestamptz '" + now.minus(Duration.ofDays(200))
                    + "', last_used_at = " + (lastUsed == null ? "NULL" : "timestamptz '" + lastUsed + "'")
                    + " WHERE user_id = " + bot.id() + " AND revoked_at IS NULL");
            // The last 24 hours by i % 5: 11 of 100 refused (0, 3, 4: failing), exactly a tenth (1), refusals a day before (2).
            long key = keyOf(bot);
            switch (i % 5) {
                case 1 -> {
                    Fixtures.usage(key, now, 0, "allowed", 90);
                    Fixtures.usage(key, now, 0, "rate_limited", 10);
                }
                case 2 -> {
                    Fixtures.usage(key, now, 0, "allowed", 10);
                    Fixtures.usage(key, now.minus(Duration.ofHours(25)), 0, "forbidden", 5);
                }
                default -> {
                    Fixtures.usage(key, now, 0, "allowed", 89);
                    Fixtures.usage(key, now.minus(Duration.ofHours(20)), 0, "invalid", 11);
                }
            }
        }
        // Created five days ago and never used: not "unused for 30 days" yet, as the Usage page counts it.
        fresh = Fixtures.bot(member, "Use New").bot();
        Fixtures.execute("UPDATE api_keys SET created_at = timestamptz '" + now.minus(Duration.ofDays(5))
                + "', last_used_at = NULL WHERE user_id = " + fresh.id());
        // A busier month for Use 001: 1,134 more allowed three days ago.
        Fixtures.usage(keyOf(bots.get(1)), now.minus(Duration.ofDays(3)), 0, "allowed", 1134);
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private static long keyOf(Bot bot) {
        return Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND kind = 'main' AND user_id = " + bot.id());
    }

    private static List<String> names(Page page) {
        return page.doc().select("tbody tr[data-name]").stream().map(r -> r.attr("data-name")).toList();
    }

    /** Every name of a list, following Next from {@code first} to the end; counts the pages in {@code pages}. */
    private List<String> walk(String first, int[] pages) {
        List<String> all = new ArrayList<>();
        Page page = browser.get(first);
        while (true) {
            assertEquals(200, page.status(), page.body());
            pages[0]++;
            all.addAll(names(page));
            Element next = page.doc().selectFirst("a[rel=next]");
            if (next == null) return all;
            page = browser.get(next.attr("href"));
        }
    }

    private List<String> expected(IntPredicate which) {
        return IntStream.range(0, BOTS).filter(which).mapToObj(i -> bots.get(i).fullName()).toList();
    }

    /** Names in the Last used order: 45 days ago (i % 4 == 2), 100 days ago (3), never (0); the newest bot first among equals. */
    private List<String> expectedByLastUse(IntPredicate which) {
        int[] rankOfGroup = {2, -1, 0, 1};
        return IntStream.range(0, BOTS).filter(which).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> rankOfGroup[i % 4]).thenComparing(Comparator.reverseOrder()))
                .map(i -> bots.get(i).fullName()).toList();
    }

    @Test
    void idleKeysListByLastUseUnlessTheAdminChoosesAnotherOrder() {
        Page idle = browser.get("/keys?use=unused90");
        assertEquals("descending", idle.doc().selectFirst("th:has(a:containsOwn(Last used))").attr("aria-sort"));
        assertFalse(idle.doc().selectFirst("th:has(a:containsOwn(Name))").hasAttr("aria-sort"));
        assertNull(idle.doc().selectFirst("form.keys-search input[name=sort]"), "the default order is not sent along");
        String byName = idle.doc().selectFirst("th a:containsOwn(Name)").attr("href");
        assertEquals("/keys?sort=name&use=unused90", byName, "choosing Name says so, since it is not this filter's default");

        Page named = browser.get(byName);
        assertEquals("ascending", named.doc().selectFirst("th:has(a:containsOwn(Name))").attr("aria-sort"));
        assertEquals("name", named.doc().selectFirst("form.keys-search input[name=sort]").attr("value"),
                "the search form keeps the chosen order when the filter changes");
        assertTrue(named.doc().selectFirst("a[rel=next]").attr("href").contains("sort=name"));

        // Without the filter, the list is by name again, and its links leave the order out.
        Page all = browser.get("/keys");
        assertEquals("ascending", all.doc().selectFirst("th:has(a:containsOwn(Name))").attr("aria-sort"));
        assertEquals("/keys?sort=last_used", all.doc().selectFirst("th a:containsOwn(Last used)").attr("href"));
    }

    @Test
    void theUseFiltersListExactlyTheirKeysAcrossPages() {
        int[] pages = {0};
        assertEquals(expected(i -> i % 4 != 1), walk("/keys?use=unused30&sort=name", pages));
        assertEquals(2, pages[0], "90 keys: two pages");
        pages[0] = 0;
        assertEquals(expected(i -> i % 4 == 0 || i % 4 == 3), walk("/keys?use=unused90&sort=name", pages));
        assertEquals(2, pages[0], "60 keys: two pages");
        pages[0] = 0;
        // Unless another order is asked for, idle keys list by last use, the most recent first and the never used last.
        assertEquals(expectedByLastUse(i -> i % 4 != 1), walk("/keys?use=unused30", pages));
        assertEquals(2, pages[0], "90 keys: two pages");
        assertEquals(expectedByLastUse(i -> i % 4 == 0 || i % 4 == 3), walk("/keys?use=unused90", new int[1]));
        pages[0] = 0;
        List<String> failing = expected(i -> i % 5 == 0 || i % 5 == 3 || i % 5 == 4);
        assertEquals(failing, walk("/keys?use=failing", pages));
        assertEquals(2, pages[0], "72 keys: two pages");

        // In another order, with a search, and with another filter: the cursors carry the filter along.
        List<String> failingByCreation = IntStream.range(0, BOTS).filter(i -> i % 5 == 0 || i % 5 == 3 || i % 5 == 4)
                .mapToObj(bots::get).sorted(Comparator.comparingLong(Bot::id).reversed()).map(Bot::fullName).toList();
        assertEquals(failingByCreation, walk("/keys?use=failing&sort=created", new int[1]));
        assertEquals(expected(i -> (i % 5 == 0 || i % 5 == 3 || i % 5 == 4) && i >= 100),
                walk("/keys?q=Use+1&use=failing", new int[1]));
        Page combined = browser.get("/keys?use=unused90&q=Use+1&sort=name");
        assertEquals(expected(i -> (i % 4 == 0 || i % 4 == 3) && i >= 100), names(combined));

        // The Next link keeps the filter, and the select shows it chosen.
        Page first = browser.get("/keys?use=unused30");
        assertTrue(first.doc().selectFirst("a[rel=next]").attr("href").contains("use=unused30"));
        assertEquals("unused30", first.doc().selectFirst("select#key-use option[selected]").attr("value"));
        // An unknown value is no filter.
        assertEquals(50, names(browser.get("/keys?use=sometimes")).size());
    }

    @Test
    void failingIsJudgedOnTheWholeDayWhateverTodayAloneSays() {
        // At 12:30 UTC the last 24 hours reach back to 13:00 the day before.
        Instant real = TestKeydesk.CLOCK.instant();
        Instant noon = real.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)).plus(Duration.ofMinutes(12 * 60 + 30));
        TestKeydesk.CLOCK.advance(Duration.between(real, noon));
        Instant yesterday = noon.minus(Duration.ofHours(21));
        Instant today = noon.minus(Duration.ofHours(1));
        User owner = Fixtures.member("judged@zulip.com");
        // {refused yesterday, allowed yesterday, allowed today}: failing when refused exceeds a tenth of the three.
        long[][] days = {{10, 40, 5}, {10, 0, 95}, {10, 120, 0}, {10, 0, 200}};
        for (int i = 0; i < days.length; i++) {
            long key = keyOf(Fixtures.bot(owner, "Judged " + i).bot());
            Fixtures.usage(key, yesterday, 0, "forbidden", days[i][0]);
            if (days[i][1] > 0) Fixtures.usage(key, yesterday, 0, "allowed", days[i][1]);
            if (days[i][2] > 0) Fixtures.usage(key, today, 0, "allowed", days[i][2]);
        }
        // Refused on the old key in its grace period, allowed on the new one today: the account's keys add up.
        long[] allowedOnNewKey = {100, 50};
        for (int i = 0; i < allowedOnNewKey.length; i++) {
            Bot bot = Fixtures.bot(owner, "Judged " + (days.length + i)).bot();
            long oldKey = keyOf(bot);
            Fixtures.regenerateBotKey(bot.id(), Duration.ofDays(2));
            Fixtures.usage(oldKey, yesterday, 0, "forbidden", 10);
            Fixtures.usage(keyOf(bot), today, 0, "allowed", allowedOnNewKey[i]);
        }
        assertEquals(List.of("Judged 0", "Judged 5"), names(browser.get("/keys?use=failing&q=Judged")),
                "10 of 55 refused fails; 10 of 105, of 130 and of 210 do not, however few came today;"
                        + " across two keys, 10 of 110 does not and 10 of 60 does");
    }

    @Test
    void idleByNameJudgesTheBoundsOwnDayByTheInstant() {
        // At noon UTC the 90 days' bound falls at noon too, so an hour either side is the same day.
        Instant real = TestKeydesk.CLOCK.instant();
        Instant noon = real.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)).plus(Duration.ofHours(12));
        TestKeydesk.CLOCK.advance(Duration.between(real, noon));
        Instant bound = noon.minus(Duration.ofDays(90));
        User owner = Fixtures.member("edges@zulip.com");
        Instant[][] createdAndUsed = {{bound.minus(Duration.ofDays(9)), bound.minus(Duration.ofHours(1))},
                {bound.minus(Duration.ofDays(9)), bound.plus(Duration.ofHours(1))},
                {bound.minus(Duration.ofHours(1)), null}, {bound.plus(Duration.ofHours(1)), null}};
        for (int i = 0; i < createdAndUsed.length; i++) {
            Bot bot = Fixtures.bot(owner, "Edge " + i).bot();
            Instant used = createdAndUsed[i][1];
            Fixtures.execute("UPDATE api_keys SET created_at = timestamptz '" + createdAndUsed[i][0] + "', last_used_at = "
                    + (used == null ? "NULL" : "timestamptz '" + used + "'") + " WHERE revoked_at IS NULL AND user_id = " + bot.id());
        }
        assertEquals(List.of("Edge 0", "Edge 2"), names(browser.get("/keys?use=unused90&sort=name&q=Edge")),
                "used or created an hour before the bound: idle; an hour after, on the same day: not");
        assertEquals(List.of("Edge 0", "Edge 2"), names(browser.get("/keys?use=unused90&q=Edge")));
    }

    @Test
    void eachRowSaysItsMonthInWords() {
        Page page = browser.get("/keys?q=Use+00");
        assertEquals(200, page.status());
        assertEquals("100 requests in 30 days, 11 % refused", spark(page, "Use 000"));
        assertEquals("1,234 requests in 30 days, 1 % refused", spark(page, "Use 001"));
        assertEquals("15 requests in 30 days, 33 % refused", spark(page, "Use 002"));
        Page quiet = browser.get("/keys?q=Use+New");
        Element row = quiet.doc().selectFirst("tr[data-name=Use New]");
        assertNull(row.selectFirst("td.use-spark svg"), "no chart without use");
        assertEquals("No requests", row.selectFirst("td.use-spark").text());
    }

    private static String spark(Page page, String name) {
        Element svg = page.doc().selectFirst("tr[data-name=" + name + "] td.use-spark svg[role=img]");
        assertNotNull(svg, page.body());
        assertEquals(svg.attr("aria-label"), svg.selectFirst("title").text());
        assertTrue(!svg.select("rect").isEmpty());
        return svg.attr("aria-label");
    }
}
