package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.Bot;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Keys page over HTTP without JavaScript: search, paging, every action, and who may use it. */
@IntegrationTest
class KeysPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;
    private User member;
    private WebClient browser;
    private String host;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        host = keydesk.primary().services().settings().externalUrl().getHost();
    }

    private Element row(Page page, String name) {
        for (Element row : page.doc().select("tr[data-name]")) {
            if (row.attr("data-name").equals(name)) return row;
        }
        return null;
    }

    private static String flash(Page page) {
        Element flash = page.doc().selectFirst(".flash");
        return flash == null ? "" : flash.text();
    }

    @Test
    void generatingANewKeyFromTheOptionsMenuReturnsToTheListAsItWas() {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        String oldKey = Fixtures.keyOf(userOf(helper));
        String list = "/keys?q=helper&sort=created";
        Page page = browser.get(list);
        String action = "/bots/" + helper.id() + "/api-key/regenerate";
        assertEquals(list, page.form(action).selectFirst("input[name=back]").attr("value"));

        Page confirm = browser.submit(page, action, Map.of());
        assertEquals(list, confirm.doc().selectFirst("a:containsOwn(Cancel)").attr("href"), "Cancel goes back there too");
        Page done = browser.submit(confirm, action, Map.of());
        assertEquals(list, done.uri().getPath() + "?" + done.uri().getRawQuery());
        assertNotEquals(oldKey, Fixtures.keyOf(userOf(helper)));

        String[] elsewhere = {"https://evil.example/keys", "//evil.example/keys", "/keys-and-more", "/keys?\\x", "/users"};
        for (String back : elsewhere) {
            Page refused = browser.post(action, Map.of("csrf_token", WebClient.csrf(page), "confirmed", "yes",
                    "back", back));
            assertEquals("/bots/" + helper.id(), refused.uri().getPath(), back + " is not a Keys page address");
        }
    }

    @Test
    void listsEveryBotWithOwnersTypeStateAndDates() {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(helper.email(), Fixtures.keyOf(userOf(helper))));
        Page page = browser.get("/keys");
        assertEquals(200, page.status());
        Element row = row(page, "Helper Bot");
        assertNotNull(row);
        assertTrue(row.text().contains("Member cordelia@zulip.com"), row.text());
        assertTrue(row.text().contains("Generic"));
        assertTrue(row.text().contains("Active"));
        assertNull(row.selectFirst(".red-dot"));
        assertFalse(page.body().contains(Fixtures.keyOf(userOf(helper))), "the list never holds the keys");
        assertNotNull(page.doc().selectFirst("button:containsOwn(Create API Key)"));
    }

    @Test
    void lastUsedIsRecorded() throws InterruptedException {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        assertTrue(row(browser.get("/keys"), "Helper Bot").text().contains("Never"));
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me",
                Http.basic(helper.email(), Fixtures.keyOf(userOf(helper)))).status());
        String sql = "SELECT count(*) FROM api_keys WHERE last_used_at IS NOT NULL AND user_id = " + helper.id();
        long deadline = System.nanoTime() + 30_000_000_000L; // recorded in the background; a correctness deadline
        long recorded = Fixtures.count(sql);
        while (recorded == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            recorded = Fixtures.count(sql);
        }
        assertEquals(1, recorded);
        assertFalse(row(browser.get("/keys"), "Helper Bot").text().contains("Never"));
    }

    @Test
    void searchFindsNamesAndEmailsAndTakesWildcardsLiterally() {
        Fixtures.bot(member, "Deploy Hook");
        Fixtures.bot(member, "Alerts");
        Fixtures.bot(member, "100% Uptime");
        Fixtures.bot(member, "snake_case bot");
        Fixtures.bot(member, "snakeXcase bot");
        assertEquals(List.of("Deploy Hook"), names(browser.get("/keys?q=deploy")));
        assertEquals(List.of("Alerts"), names(browser.get("/keys?q=alerts-bot%40")));
        assertEquals(List.of("100% Uptime"), names(browser.get("/keys?q=%25")));
        assertEquals(List.of("snake_case bot"), names(browser.get("/keys?q=_case")));
        assertEquals(5, names(browser.get("/keys?q=")).size());
        Page none = browser.get("/keys?q=nothing-like-this");
        assertTrue(none.text().contains("No API key matches"));
    }

    @Test
    void pagesFiftyAtATime() {
        for (int i = 0; i < 55; i++) Fixtures.bot(member, String.format("Bot %02d", i));
        Page first = browser.get("/keys");
        assertEquals(50, first.doc().select("tr[data-name]").size());
        assertEquals("Bot 00", names(first).get(0));
        Page second = browser.get(first.doc().selectFirst("a[rel=next]").attr("href"));
        assertEquals(List.of("Bot 50", "Bot 51", "Bot 52", "Bot 53", "Bot 54"), names(second));
        assertNull(second.doc().selectFirst("a[rel=next]"));
        assertTrue(second.text().contains("55 API keys"));
        Page back = browser.get(second.doc().selectFirst("a[rel=prev]").attr("href"));
        assertEquals(names(first), names(back), "Previous from the second page is the first");
        assertNull(back.doc().selectFirst("a[rel=prev]"));
        assertEquals(List.of("Bot 50", "Bot 51", "Bot 52", "Bot 53", "Bot 54"), names(browser.get("/keys?q=Bot+5&after=bot+49%7C0")),
                "a page continues after the given name, in the search");
        assertEquals(5, names(browser.get("/keys?q=Bot+5&after=zzz%7C999999")).size(), "a page past the end shows the first page");
        for (String bad : List.of("after=banana", "after=%7C", "before=x%7C-1", "after=a%7C99999999999999999999",
                "before=" + "a".repeat(500) + "%7C1", "after=%00%7C1")) {
            Page page = browser.get("/keys?" + bad);
            assertEquals(200, page.status(), bad);
            assertEquals("Bot 00", names(page).get(0), bad);
        }
    }

    @Test
    void createModifyBlockUnblockDelete() {
        Page form = browser.get("/keys/new");
        Page created = browser.submit(form, "/keys", Map.of("name", "Deploy Hook", "webhook_url", "https://ci.example.com/hook",
                "accounts", Long.toString(member.id())));
        assertEquals(200, created.status(), created.body());
        assertTrue(flash(created).contains("created"), flash(created));
        Element row = row(created, "Deploy Hook");
        assertTrue(row.text().contains("Outgoing webhook"));
        assertTrue(row.text().contains("deploy-hook-bot@" + host));
        long id = Long.parseLong(row.selectFirst("a[data-modify-key]").attr("data-modify-key").split("/")[2]);
        User botUser = userOf(id);
        String key = Fixtures.keyOf(botUser);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(200, Http.get(me, Http.basic(botUser.email(), key)).status());

        Page edit = browser.get("/keys/" + id + "/edit");
        Page modified = browser.submit(edit, "/keys/" + id + "/edit", Map.of("name", "Deploy Hook (prod)"));
        assertTrue(flash(modified).contains("modified"));
        assertNotNull(row(modified, "Deploy Hook (prod)"));

        Page confirm = browser.submit(modified, "/keys/" + id + "/block", Map.of());
        assertEquals("Block API Key", confirm.doc().selectFirst("h1").text());
        Page blocked = browser.submit(confirm, "/keys/" + id + "/block", Map.of());
        assertTrue(flash(blocked).contains("blocked"));
        Element blockedRow = row(blocked, "Deploy Hook (prod)");
        assertNotNull(blockedRow.selectFirst(".red-dot"));
        assertTrue(blockedRow.selectFirst(".visually-hidden").text().contains("Blocked"));
        Http.Response refused = Http.get(me, Http.basic(botUser.email(), key));
        assertEquals(401, refused.status());
        assertEquals("UNAUTHORIZED", refused.json().get("code").asText());
        assertEquals("Account is deactivated", refused.json().get("msg").asText());

        Page unblocked = browser.submit(blocked, "/keys/" + id + "/unblock", Map.of());
        assertTrue(flash(unblocked).contains("unblocked"));
        assertNull(row(unblocked, "Deploy Hook (prod)").selectFirst(".red-dot"));
        assertEquals(200, Http.get(me, Http.basic(botUser.email(), key)).status(), "the same key works again");

        Page deleteConfirm = browser.submit(unblocked, "/keys/" + id + "/delete", Map.of());
        assertEquals("Delete API Key", deleteConfirm.doc().selectFirst("h1").text());
        Page deleted = browser.submit(deleteConfirm, "/keys/" + id + "/delete", Map.of());
        assertTrue(flash(deleted).contains("deleted"));
        assertNull(row(deleted, "Deploy Hook (prod)"));
        Http.Response gone = Http.get(me, Http.basic(botUser.email(), key));
        assertEquals(401, gone.status());
        assertEquals("UNAUTHORIZED", gone.json().get("code").asText());
        assertEquals("Invalid API key", gone.json().get("msg").asText());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deleted' AND target_label = '"
                + botUser.email() + "'"), "the audit log keeps the record");
    }

    @Test
    void copyTokenEndpointGivesOneKeyToAdminsOnly() {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        Page page = browser.get("/keys");
        String csrf = WebClient.csrf(page);
        Page token = browser.post("/keys/" + helper.id() + "/token", Map.of("csrf_token", csrf));
        assertEquals(200, token.status());
        assertEquals(Fixtures.keyOf(userOf(helper)), token.body());
        assertEquals("no-store", token.header("Cache-Control"));
        assertEquals(403, browser.post("/keys/" + helper.id() + "/token", Map.of()).status(), "no CSRF token");
    }

    @Test
    void membersGetForbiddenEverywhere() {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        WebClient memberBrowser = new WebClient(keydesk.baseUrl());
        Page home = memberBrowser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(home);
        for (Page page : new Page[] {memberBrowser.get("/keys"), memberBrowser.get("/keys/new"),
                memberBrowser.get("/keys/" + helper.id() + "/edit"),
                memberBrowser.post("/keys", Map.of("csrf_token", csrf, "name", "Sneaky")),
                memberBrowser.post("/keys/" + helper.id() + "/edit", Map.of("csrf_token", csrf, "name", "Sneaky")),
                memberBrowser.post("/keys/" + helper.id() + "/token", Map.of("csrf_token", csrf)),
                memberBrowser.post("/keys/" + helper.id() + "/block", Map.of("csrf_token", csrf, "confirmed", "yes")),
                memberBrowser.post("/keys/" + helper.id() + "/delete", Map.of("csrf_token", csrf, "confirmed", "yes"))}) {
            assertEquals(403, page.status());
        }
        assertNotNull(Fixtures.findBot(helper.id()).filter(Bot::isActive).orElse(null));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void badInputIsExplainedAndChangesNothing() {
        Bot helper = Fixtures.bot(member, "Helper Bot").bot();
        Page form = browser.get("/keys/new");
        Page empty = browser.submit(form, "/keys", Map.of("name", ""));
        assertEquals(400, empty.status());
        assertTrue(empty.doc().selectFirst("[role=alert]").text().contains("Name too short"));
        Page tooLong = browser.submit(form, "/keys", Map.of("name", "N".repeat(101)));
        assertEquals(400, tooLong.status());
        Page badUrl = browser.submit(form, "/keys", Map.of("name", "Hook", "webhook_url", "javascript:alert(1)"));
        assertEquals(400, badUrl.status());
        assertTrue(badUrl.doc().selectFirst("[role=alert]").text().contains("http"));
        Page badOwner = browser.submit(form, "/keys", Map.of("name", "Hook", "accounts", "abc"));
        assertEquals(400, badOwner.status());
        Page edit = browser.get("/keys/" + helper.id() + "/edit");
        Page badEdit = browser.submit(edit, "/keys/" + helper.id() + "/edit", Map.of("webhook_url", "ftp://x.example"));
        assertEquals(400, badEdit.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM bot_services"));

        assertEquals(404, browser.get("/keys/424242/edit").status());
        assertEquals(404, browser.get("/keys/abc/edit").status());
        assertEquals(404, browser.get("/keys/" + member.id() + "/edit").status(), "people are not keys");
        Page forged = browser.post("/keys/" + helper.id() + "/delete", Map.of("confirmed", "yes", "csrf_token", "forged"));
        assertEquals(403, forged.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        Page redirectAway = browser.submit(browser.get("/keys"), "/keys/" + helper.id() + "/block",
                Map.of("back", "https://evil.example/", "confirmed", "yes"));
        assertEquals("Keys", redirectAway.doc().selectFirst("h1").text(), "back only leads to the Keys page");
    }

    private static List<String> names(Page page) {
        return page.doc().select("tr[data-name]").stream().map(r -> r.attr("data-name")).toList();
    }

    private User userOf(Bot bot) {
        return userOf(bot.id());
    }

    private User userOf(long id) {
        return keydesk.primary().database().jdbi().withExtension(dev.keydesk.user.UserDao.class, dao -> dao.findById(id))
                .orElseThrow();
    }
}
