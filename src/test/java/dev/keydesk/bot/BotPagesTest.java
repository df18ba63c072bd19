package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Your bots without JavaScript: forms, confirmations, and who may see which bot. */
@IntegrationTest
class BotPagesTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private WebClient owner;
    private User cordelia;
    private String host;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        cordelia = Fixtures.member("cordelia@zulip.com");
        owner = new WebClient(keydesk.baseUrl());
        owner.login("cordelia@zulip.com", Fixtures.PASSWORD);
        host = keydesk.primary().services().settings().externalUrl().getHost();
    }

    private Page createBot(WebClient browser, String name, String shortName) {
        Page form = browser.get("/bots/new");
        return browser.submit(form, "/bots", Map.of("bot_type", "1", "full_name", name, "short_name", shortName));
    }

    private long botId(Page details) {
        return Long.parseLong(details.doc().selectFirst("form[action$=/api-key/regenerate]").attr("action").split("/")[2]);
    }

    @Test
    void addingABotLeadsToItsKeyAndZuliprc() {
        Page details = createBot(owner, "Helper Bot", "helper");
        assertEquals(200, details.status(), details.body());
        assertTrue(details.doc().selectFirst(".flash").text().contains("created"));
        long id = botId(details);
        User bot = keydesk.primary().database().jdbi().withExtension(dev.keydesk.user.UserDao.class,
                dao -> dao.findById(id)).orElseThrow();
        String key = Fixtures.keyOf(bot);
        assertEquals(key, details.doc().selectFirst("#bot-api-key").attr("value"));
        assertEquals("[api]\nemail=helper-bot@" + host + "\nkey=" + key + "\nsite=" + keydesk.baseUrl() + "\n",
                details.doc().selectFirst("#bot-zuliprc").wholeText());
        assertEquals("no-store", details.header("Cache-Control"));
        for (String name : new String[] {"copy", "generate new API key", "download"}) {
            Element icon = details.doc().selectFirst("[aria-label=" + name + "]");
            assertNotNull(icon, name);
            assertEquals(name, icon.attr("title"), "tooltip of " + name);
        }
        assertNotNull(details.doc().selectFirst("section#api-key h2:containsOwn(API key)"));
        assertNotNull(details.doc().selectFirst("section#zuliprc h2:containsOwn(Zuliprc configuration)"));

        Page list = owner.get("/bots");
        assertEquals("Actions", list.doc().select("table.bots th").last().text());
        Element manage = list.doc().selectFirst("a[title=manage bot]");
        assertEquals("/bots/" + id + "#api-key", manage.attr("href"));
        assertTrue(list.text().contains("Active bots (1)"));
        assertTrue(list.text().contains("Blocked bots (0)"));
    }

    @Test
    void zuliprcDownloadIsAnAttachment() {
        long id = botId(createBot(owner, "Helper Bot", "helper"));
        Page file = owner.get("/bots/" + id + "/zuliprc");
        assertEquals(200, file.status());
        assertEquals("attachment; filename=\"zuliprc\"", file.header("Content-Disposition"));
        assertEquals("no-store", file.header("Cache-Control"));
        assertTrue(file.body().startsWith("[api]\nemail=helper-bot@"));
    }

    @Test
    void regeneratingAsksFirstWithoutJavaScript() {
        Page details = createBot(owner, "Helper Bot", "helper");
        long id = botId(details);
        String before = details.doc().selectFirst("#bot-api-key").attr("value");
        Page confirm = owner.submit(details, "/bots/" + id + "/api-key/regenerate", Map.of());
        assertEquals(200, confirm.status());
        assertTrue(confirm.text().contains("stops working"));
        Page again = owner.get("/bots/" + id);
        assertEquals(before, again.doc().selectFirst("#bot-api-key").attr("value"), "nothing changed before confirming");
        Page done = owner.submit(confirm, "/bots/" + id + "/api-key/regenerate", Map.of());
        String after = done.doc().selectFirst("#bot-api-key").attr("value");
        assertNotEquals(before, after);
        assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("helper-bot@" + host, before)).status());
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("helper-bot@" + host, after)).status());
    }

    @Test
    void deactivateAndReactivateFromTheTabs() {
        Page details = createBot(owner, "Helper Bot", "helper");
        long id = botId(details);
        String key = details.doc().selectFirst("#bot-api-key").attr("value");
        Page list = owner.get("/bots");
        Page confirm = owner.submit(list, "/bots/" + id + "/deactivate", Map.of());
        assertTrue(confirm.text().contains("Block Helper Bot?"));
        Page afterDeactivate = owner.submit(confirm, "/bots/" + id + "/deactivate", Map.of());
        assertTrue(afterDeactivate.text().contains("Active bots (0)"));
        assertTrue(afterDeactivate.text().contains("Blocked bots (1)"));
        Http.Response refused = Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("helper-bot@" + host, key));
        assertEquals("Account is deactivated", refused.json().get("msg").asText());

        Page inactive = owner.get("/bots?tab=inactive");
        Page reactivated = owner.submit(inactive, "/bots/" + id + "/reactivate", Map.of());
        assertEquals(200, reactivated.status());
        assertTrue(reactivated.text().contains("Active bots (1)"));
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic("helper-bot@" + host, key)).status());
    }

    @Test
    void otherMembersCannotReachTheBotOrItsKey() {
        Page details = createBot(owner, "Helper Bot", "helper");
        long id = botId(details);
        String key = details.doc().selectFirst("#bot-api-key").attr("value");
        Fixtures.member("othello@zulip.com");
        WebClient stranger = new WebClient(keydesk.baseUrl());
        Page home = stranger.login("othello@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(home);
        for (Page page : new Page[] {stranger.get("/bots/" + id), stranger.get("/bots/" + id + "/zuliprc"),
                stranger.get("/bots/" + id + "/edit"),
                stranger.post("/bots/" + id + "/api-key/regenerate", Map.of("csrf_token", csrf, "confirmed", "yes")),
                stranger.post("/bots/" + id + "/deactivate", Map.of("csrf_token", csrf, "confirmed", "yes")),
                stranger.post("/bots/" + id + "/edit", Map.of("csrf_token", csrf, "full_name", "Stolen")),
                stranger.get("/bots/424242"), stranger.get("/bots/not-a-number")}) {
            assertEquals(404, page.status());
            assertFalse(page.body().contains(key));
        }
        assertFalse(stranger.get("/bots").body().contains("Helper Bot"));
        assertEquals(key, Fixtures.keyOf(keydesk.primary().database().jdbi().withExtension(
                dev.keydesk.user.UserDao.class, dao -> dao.findById(id)).orElseThrow()));
        assertTrue(keydesk.primary().database().jdbi().withExtension(BotDao.class, dao -> dao.find(id)).orElseThrow().isActive());

        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("iago@zulip.com", Fixtures.PASSWORD);
        Page adminView = admin.get("/bots/" + id);
        assertEquals(200, adminView.status());
        assertEquals(key, adminView.doc().selectFirst("#bot-api-key").attr("value"));
    }

    @Test
    void markupInBotNamesIsEscaped() {
        Page details = createBot(owner, "<img src=x onerror=alert(1)>", "markup");
        assertEquals(200, details.status());
        assertTrue(details.body().contains("&lt;img src=x onerror=alert(1)&gt;"));
        assertTrue(details.doc().select("img[onerror]").isEmpty());
        assertTrue(owner.get("/bots").doc().select("img[onerror]").isEmpty());
    }

    @Test
    void badFormInputIsExplainedAndCreatesNothing() {
        Page form = owner.get("/bots/new");
        Page shortName = owner.submit(form, "/bots", Map.of("full_name", "X", "short_name", "x"));
        assertEquals(400, shortName.status());
        assertTrue(shortName.doc().selectFirst("[role=alert]").text().contains("Name too short"));
        Page badUrl = owner.submit(form, "/bots", Map.of("bot_type", "3", "full_name", "Hook Bot", "short_name", "hook",
                "payload_url", "javascript:alert(1)"));
        assertEquals(400, badUrl.status());
        assertTrue(badUrl.doc().selectFirst("[role=alert]").text().contains("http"));
        assertEquals("Hook Bot", badUrl.doc().selectFirst("#full_name").attr("value"), "the form keeps what was typed");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        Page noCsrf = owner.post("/bots", Map.of("full_name", "Sneaky Bot", "short_name", "sneaky"));
        assertEquals(403, noCsrf.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void avatarUploadsAreCheckedAndReencoded() {
        Page form = owner.get("/bots/new");
        String csrf = WebClient.csrf(form);
        String cookie = "keydesk_session=" + owner.cookie("keydesk_session");
        Http.Response notImage = Http.postMultipartWithFile(keydesk.baseUrl() + "/bots",
                Map.of("csrf_token", csrf, "bot_type", "1", "full_name", "Pic Bot", "short_name", "pic"),
                "avatar", "x.png", "image/png", "GIF89a but not really".getBytes(), null, Map.of("Cookie", cookie));
        assertEquals(400, notImage.status());
        assertTrue(notImage.body().contains("must be a PNG, JPEG, GIF or BMP image"));
        byte[] huge = new byte[7 * 1024 * 1024];
        Http.Response tooLarge = Http.postMultipartWithFile(keydesk.baseUrl() + "/bots",
                Map.of("csrf_token", csrf, "bot_type", "1", "full_name", "Pic Bot", "short_name", "pic"),
                "avatar", "big.png", "image/png", huge, null, Map.of("Cookie", cookie));
        assertEquals(413, tooLarge.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));

        Http.Response ok = Http.postMultipartWithFile(keydesk.baseUrl() + "/bots",
                Map.of("csrf_token", csrf, "bot_type", "1", "full_name", "Pic Bot", "short_name", "pic"),
                "avatar", "face.png", "image/png", Images.png(300, 200), null, Map.of("Cookie", cookie));
        assertEquals(303, ok.status(), ok.body());
        byte[] stored = keydesk.primary().database().jdbi().withHandle(h ->
                h.createQuery("SELECT png FROM avatars").mapTo(byte[].class).one());
        assertEquals((byte) 0x89, stored[0]);
        assertEquals('P', stored[1]);
    }

    @Test
    void editingChangesNameAndOwners() {
        long id = botId(createBot(owner, "Helper Bot", "helper"));
        User othello = Fixtures.member("othello@zulip.com");
        Page edit = owner.get("/bots/" + id + "/edit");
        assertEquals(200, edit.status());
        assertNotNull(edit.doc().selectFirst("input[name=owner_ids][value=" + cordelia.id() + "][checked]"));
        Page saved = owner.post("/bots/" + id + "/edit", Map.of("csrf_token", WebClient.csrf(edit),
                "full_name", "Renamed Bot", "owner_ids", Long.toString(othello.id())));
        assertEquals(200, saved.status());
        assertEquals("Your bots", saved.doc().selectFirst("h1").text(), "no longer an owner: back to the list");
        assertEquals(404, owner.get("/bots/" + id).status());
        WebClient newOwner = new WebClient(keydesk.baseUrl());
        newOwner.login("othello@zulip.com", Fixtures.PASSWORD);
        assertTrue(newOwner.get("/bots/" + id).text().contains("Renamed Bot"));

        Page noOwners = newOwner.post("/bots/" + id + "/edit", Map.of("csrf_token",
                WebClient.csrf(newOwner.get("/bots/" + id + "/edit")), "full_name", "Renamed Bot"));
        assertEquals(400, noOwners.status());
        assertTrue(noOwners.doc().selectFirst("[role=alert]").text().contains("at least one owner"));
    }

    @Test
    void yourBotsAreSearchedAndShowWhenTheirKeyWasLastUsed() {
        long helper = botId(createBot(owner, "Helper Bot", "helper"));
        createBot(owner, "Deploy Bot", "deploy");
        Page all = owner.get("/bots");
        assertEquals(List.of("Deploy Bot", "Helper Bot"), botNames(all));
        Element lastUsed = all.doc().selectFirst("tr[data-bot-id=" + helper + "] td:nth-child(5)");
        assertEquals("Never", lastUsed.text());
        assertEquals("Last used", all.doc().select("table.bots th").get(4).text());

        // the key's last use, as the API's usage recorder writes it (a second later, in the background)
        Fixtures.execute("UPDATE api_keys SET last_used_at = now() - interval '3 hours 5 minutes' WHERE revoked_at IS NULL AND user_id = "
                + helper);
        Element time = owner.get("/bots").doc().selectFirst("tr[data-bot-id=" + helper + "] td:nth-child(5) time");
        assertNotNull(time, "a used key shows when, as a <time>");
        assertTrue(time.attr("datetime").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), time.attr("datetime"));
        assertTrue(time.attr("title").endsWith("UTC"), time.attr("title"));
        assertEquals("3 hours ago", time.text());

        assertEquals(List.of("Helper Bot"), botNames(owner.get("/bots?q=HELP")));
        assertEquals(List.of("Deploy Bot"), botNames(owner.get("/bots?q=deploy-bot%40")));
        Page none = owner.get("/bots?q=nothing+like+it");
        assertTrue(none.text().contains("No bot matches “nothing like it”."), none.text());
        assertEquals(List.of(), botNames(owner.get("/bots?tab=inactive&q=helper")));
        assertEquals(200, owner.get("/bots?after=%00&before=x%7C&q=" + "y".repeat(300)).status());
    }

    @Test
    void deactivatingWithoutJavaScriptComesBackToTheSearchNamingTheBot() {
        long helper = botId(createBot(owner, "Helper Bot", "helper"));
        createBot(owner, "Helper Two", "helper-two");
        createBot(owner, "Deploy Bot", "deploy");
        Page searched = owner.get("/bots?q=helper");
        Page confirm = owner.submit(searched, "/bots/" + helper + "/deactivate", Map.of());
        Page done = owner.submit(confirm, "/bots/" + helper + "/deactivate", Map.of());
        assertEquals("Helper Bot has been blocked. Its key stops working until you unblock it.",
                done.doc().selectFirst(".flash").text());
        assertEquals("helper", done.doc().selectFirst("#bot-search").attr("value"));
        assertEquals(List.of("Helper Two"), botNames(done));

        Page inactive = owner.get("/bots?tab=inactive&q=help");
        Page back = owner.submit(inactive, "/bots/" + helper + "/reactivate", Map.of());
        assertEquals("Helper Bot has been unblocked with the API key it had before.", back.doc().selectFirst(".flash").text());
        assertEquals("help", back.doc().selectFirst("#bot-search").attr("value"), "back on the inactive tab's search");
    }

    @Test
    void aNoticeNamesOnlyABotTheReaderManages() {
        // another person's bot id in a forged cookie value gives the general wording, not that bot's name
        WebClient other = new WebClient(keydesk.baseUrl());
        Fixtures.member("regan@zulip.com");
        other.login("regan@zulip.com", Fixtures.PASSWORD);
        long helper = botId(createBot(owner, "Secret Helper", "secret"));
        other.setCookie("keydesk_flash", "BOT_DEACTIVATED." + helper);
        Page page = other.get("/bots");
        assertEquals("The bot has been blocked. Its key stops working until you unblock it.",
                page.doc().selectFirst(".flash").text());
        other.setCookie("keydesk_flash", "BOT_DEACTIVATED.nonsense");
        assertNull(other.get("/bots").doc().selectFirst(".flash"));
    }

    private static List<String> botNames(Page page) {
        return page.doc().select("table.bots tbody tr td:first-child").stream().map(e -> e.text().strip()).toList();
    }
}
