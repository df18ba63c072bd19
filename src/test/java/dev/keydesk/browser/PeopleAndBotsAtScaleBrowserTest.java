package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Users and Your bots at real size, in a browser: 10,000 people, and an administrator who owns
 * 1,000 of the organization's 101,000 bots, seeded set-wise. Searching and paging work with the
 * page's own controls, every page holds one page of rows (its HTML stays small), and EXPLAIN shows
 * the statements reading through indexes, never every account. Timings are printed, never asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class PeopleAndBotsAtScaleBrowserTest {
    private static final int PEOPLE = 10_000;
    private static final int OWN_BOTS = 1_000;
    private static final int OTHER_BOTS = 100_000;
    /**
     * One page of 50 rows (each with its role form and options menu) stays below this; a page
     * listing everyone would be megabytes.
     */
    private static final int MAX_HTML_BYTES = 250_000;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final Jdbi jdbi = keydesk.primary().database().jdbi();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private String baseUrl;
    private User admin;

    @BeforeAll
    void startBrowser() {
        browser = BrowserSupport.launch();
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) browser.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        baseUrl = keydesk.baseUrl();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        long started = System.nanoTime();
        jdbi.useHandle(h -> {
            // people named "Person 00001" …; those ending in 5 deactivated; every hundredth an administrator
            h.execute("""
                    INSERT INTO users (email, full_name, role, is_bot, is_active)
                    SELECT format('person-%s@keydesk.test', lpad(n::text, 5, '0')), format('Person %s', lpad(n::text, 5, '0')),
                           CASE WHEN n % 100 = 0 THEN 200 ELSE 400 END, false, n % 10 <> 5
                    FROM generate_series(1, ?) n""", PEOPLE);
            h.execute("""
                    INSERT INTO users (email, full_name, role, is_bot, bot_type)
                    SELECT format('other-%s-bot@keydesk.test', lpad(n::text, 6, '0')), format('Other Bot %s', lpad(n::text, 6, '0')), 400, true, 1
                    FROM generate_series(1, ?) n""", OTHER_BOTS);
            h.execute("""
                    INSERT INTO users (email, full_name, role, is_bot, bot_type)
                    SELECT format('own-%s-bot@keydesk.test', lpad(n::text, 4, '0')), format('Own Bot %s', lpad(n::text, 4, '0')), 400, true, 1
                    FROM generate_series(1, ?) n""", OWN_BOTS);
            h.execute("INSERT INTO bot_owners (bot_id, owner_id) SELECT id, ? FROM users WHERE email LIKE 'own-%-bot@keydesk.test'",
                    admin.id());
            // every other person owns one of the other bots, so the owner index has many entries
            h.execute("""
                    INSERT INTO bot_owners (bot_id, owner_id)
                    SELECT b.id, p.id FROM users b JOIN users p ON p.email = format('person-%s@keydesk.test', lpad((1 + b.id % ?)::text, 5, '0'))
                    WHERE b.email LIKE 'other-%-bot@keydesk.test'""", PEOPLE);
            h.execute("ANALYZE users");
            h.execute("ANALYZE bot_owners");
        });
        System.out.printf("seeded %,d people and %,d bots in %d ms%n", PEOPLE, OWN_BOTS + OTHER_BOTS,
                (System.nanoTime() - started) / 1_000_000);
        context = browser.newContext(baseUrl);
        page = context.newPage();
        page.setViewportSize(1280, 900);
        BrowserSupport.logIn(page, baseUrl, "iago@zulip.com", Fixtures.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private Response open(String what, String path) {
        long started = System.nanoTime();
        Response response = page.navigate(baseUrl + path);
        System.out.printf("%s: %d ms%n", what, (System.nanoTime() - started) / 1_000_000);
        return response;
    }

    private void assertBounded(Response response) {
        int bytes = response.body().length;
        assertTrue(bytes < MAX_HTML_BYTES, response.url() + " is " + bytes + " bytes");
    }

    private List<String> peopleNames() {
        return page.locator("table.people tbody tr td:first-child").allTextContents().stream()
                .map(s -> s.replace("(you)", "").strip()).toList();
    }

    private List<String> botNames() {
        return page.locator("table.bots tbody tr td:first-child").allTextContents().stream().map(String::strip).toList();
    }

    private static List<String> names(String prefix, int digits, int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(n -> prefix + String.format("%0" + digits + "d", n)).toList();
    }

    private Locator link(String name) {
        return page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    @Test
    void usersSearchFilterAndPageTenThousandPeople() {
        Response first = open("Users, first page", "/users");
        assertBounded(first);
        assertThat(page.getByText("1,000+ people")).isVisible();
        assertEquals(50, peopleNames().size());
        assertEquals("Iago", peopleNames().get(0));
        assertEquals(names("Person ", 5, 1, 49), peopleNames().subList(1, 50));

        link("Next").click();
        page.waitForURL(url -> url.contains("after="));
        assertEquals(names("Person ", 5, 50, 99), peopleNames());
        link("Previous").click();
        page.waitForURL(url -> url.contains("before=") || url.endsWith("/users"));
        assertEquals(names("Person ", 5, 1, 49), peopleNames().subList(1, 50));

        // the search form, with the role and state filters
        page.getByLabel("Search", new Page.GetByLabelOptions().setExact(true)).fill("person 042");
        page.getByLabel("State").selectOption("deactivated");
        page.waitForNavigation(() -> BrowserSupport.button(page, "Search").click());
        assertEquals(IntStream.range(0, 10).mapToObj(i -> String.format("Person 042%d5", i)).toList(), peopleNames());
        assertThat(page.getByText("10 people match")).isVisible();

        page.getByLabel("Search", new Page.GetByLabelOptions().setExact(true)).fill("");
        page.getByLabel("State").selectOption("active");
        page.getByRole(AriaRole.SEARCH, new Page.GetByRoleOptions().setName("Find people"))
                .getByLabel("Role", new Locator.GetByLabelOptions().setExact(true)).selectOption("200");
        page.waitForNavigation(() -> BrowserSupport.button(page, "Search").click());
        List<String> admins = peopleNames();
        assertEquals(50, admins.size(), "every hundredth person is an administrator, and active");
        assertEquals("Iago", admins.get(0));
        assertEquals("Person 00100", admins.get(1));
        Response deep = open("Users, administrators, a deep page", "/users?role=200&state=active&after=person+08000%7C0"); // from Person 08000 on (its id is above 0)
        assertBounded(deep);
        assertEquals(IntStream.rangeClosed(80, 100).mapToObj(n -> String.format("Person %05d", n * 100)).toList(),
                peopleNames());

        String search = explain("""
                SELECT u.id FROM users u WHERE NOT u.is_bot
                  AND (lower(u.full_name) LIKE '%person 042%' ESCAPE '!' OR lower(u.email) LIKE '%person 042%' ESCAPE '!')
                ORDER BY lower(u.full_name), u.id LIMIT 51""");
        assertFalse(search.contains("Seq Scan on users"), search);
        String order = explain("""
                SELECT u.id FROM users u WHERE NOT u.is_bot AND (lower(u.full_name), u.id) > ('person 05000', 0)
                ORDER BY lower(u.full_name), u.id LIMIT 51""");
        assertTrue(order.contains("users_person_name_order"), order);
    }

    @Test
    void yourBotsSearchAndPageAThousandOwnBotsAmongAHundredThousand() {
        Response first = open("Your bots, first page", "/bots");
        assertBounded(first);
        assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Active bots (1000)"))).isVisible();
        assertEquals(names("Own Bot ", 4, 1, 50), botNames());
        assertThat(page.locator("table.bots th", new Page.LocatorOptions().setHasText("Last used"))).isVisible();

        link("Next").click();
        page.waitForURL(url -> url.contains("after="));
        assertEquals(names("Own Bot ", 4, 51, 100), botNames());
        Response deep = open("Your bots, the last page", "/bots?after=own+bot+0980%7C0");
        assertBounded(deep);
        assertEquals(names("Own Bot ", 4, 980, 1000), botNames());
        assertThat(link("Next")).hasCount(0);

        page.getByLabel("Search", new Page.GetByLabelOptions().setExact(true)).fill("bot 077");
        page.waitForNavigation(() -> BrowserSupport.button(page, "Search").click());
        assertEquals(names("Own Bot ", 4, 770, 779), botNames());
        assertThat(page.getByText("10 bots match")).isVisible();

        // the statements of OwnedBotQueries, as the page runs them
        String plan = explain("""
                SELECT u.id, k.last_used_at FROM bot_owners o
                JOIN LATERAL (SELECT * FROM users WHERE id = o.bot_id AND is_bot OFFSET 0) u ON true
                LEFT JOIN LATERAL (SELECT last_used_at FROM api_keys WHERE user_id = u.id AND kind = 'main' AND revoked_at IS NULL OFFSET 0) k ON true
                WHERE o.owner_id = %d AND u.is_active = true
                ORDER BY lower(u.full_name), u.id LIMIT 51""".formatted(admin.id()));
        String counts = explain("""
                SELECT count(*) FILTER (WHERE u.is_active), count(*) FILTER (WHERE NOT u.is_active) FROM bot_owners o
                JOIN LATERAL (SELECT * FROM users WHERE id = o.bot_id AND is_bot OFFSET 0) u ON true
                WHERE o.owner_id = %d""".formatted(admin.id()));
        // The two big tables are never read whole. (The bots here have no keys, so api_keys holds a
        // couple of rows and reading it whole is the right plan; its index serves the key lookup at
        // 100,000 keys in ListsAtScaleTest and the scale benchmark.)
        for (String p : List.of(plan, counts)) {
            assertFalse(p.contains("Seq Scan on users") || p.contains("Seq Scan on bot_owners"), p);
        }
    }

    private String explain(String sql) {
        String plan = jdbi.withHandle(h -> String.join("\n",
                h.createQuery("EXPLAIN (ANALYZE, COSTS OFF) " + sql).mapTo(String.class).list()));
        System.out.println(plan);
        return plan;
    }
}
