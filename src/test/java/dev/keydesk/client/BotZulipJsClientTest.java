package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official JavaScript client, zulip-js, signs in as a bot with the zuliprc file downloaded from
 * the bot's "Zuliprc configuration" (src/test/node/get-profile.js). The bot is made through the
 * pages without JavaScript; deactivating it locks the file out, reactivating lets the same file in.
 */
@IntegrationTest
class BotZulipJsClientTest {
    private static final String OWNER = "hamlet@zulip.com";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final String site = keydesk.baseUrl();
    private User hamlet;

    @TempDir
    Path tmp;

    @BeforeAll
    static void installClient() {
        ZulipJs.ensureInstalled();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        hamlet = Fixtures.member(OWNER);
    }

    @Test
    void botZuliprcSignsTheClientInAsTheBot() throws IOException {
        WebClient browser = loggedIn();
        User bot = addBot(browser, "Build Reporter", "builds");
        String zuliprc = downloadZuliprc(browser, bot);

        ZulipJs.Result run = ZulipJs.getProfile(write("zuliprc", zuliprc));
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode profile = run.json();
        assertEquals("success", profile.path("result").asText(), run.toString());
        assertTrue(profile.path("is_bot").isBoolean(), run.toString());
        assertTrue(profile.path("is_bot").asBoolean(false), run.toString());
        assertEquals("builds-bot@" + URI.create(site).getHost(), profile.path("email").asText(), run.toString());
        assertEquals(bot.email(), profile.path("email").asText(), run.toString());
        assertEquals(bot.id(), profile.path("user_id").asLong(), run.toString());
        assertTrue(profile.path("bot_owner_id").isIntegralNumber(), run.toString());
        assertEquals(hamlet.id(), profile.path("bot_owner_id").asLong(), run.toString());
        assertTrue(profile.path("bot_type").isIntegralNumber(), run.toString());
        assertEquals(1, profile.path("bot_type").asInt(), run.toString());
        assertEquals("Build Reporter", profile.path("full_name").asText(), run.toString());
    }

    @Test
    void deactivatingTheBotLocksOutItsZuliprcAndReactivatingLetsTheSameFileIn() throws IOException {
        WebClient browser = loggedIn();
        User bot = addBot(browser, "Build Reporter", "builds");
        String key = Fixtures.keyOf(bot);
        Path file = write("zuliprc", downloadZuliprc(browser, bot));
        ZulipJs.Result before = ZulipJs.getProfile(file);
        assertEquals(0, before.exitCode(), before.toString());
        assertEquals(bot.id(), before.json().path("user_id").asLong(), before.toString());

        // Your bots → deactivate (the page asks first when there is no script), then confirm.
        WebClient.Page bots = browser.get("/bots");
        assertEquals(200, bots.status(), bots.body());
        String deactivate = "/bots/" + bot.id() + "/deactivate";
        WebClient.Page question = browser.submit(bots, deactivate, Map.of());
        assertEquals(200, question.status(), question.body());
        assertTrue(isActive(bot), "asking is not deactivating");
        WebClient.Page deactivated = browser.post(deactivate,
                Map.of("csrf_token", WebClient.csrf(question), "confirmed", "yes"));
        assertEquals(200, deactivated.status(), deactivated.body());
        assertTrue(deactivated.text().contains(bot.fullName() + " has been blocked"), deactivated.text());
        assertTrue(!isActive(bot), "the bot is still active");

        ZulipJs.Result locked = ZulipJs.getProfile(file);
        assertEquals(1, locked.exitCode(), locked.toString());
        assertEquals("error", locked.json().path("result").asText(), locked.toString());
        assertEquals("UNAUTHORIZED", locked.json().path("code").asText(), locked.toString());
        assertEquals("Account is deactivated", locked.json().path("msg").asText(), locked.toString());

        // Blocked bots → Unblock.
        WebClient.Page inactive = browser.get("/bots?tab=inactive");
        assertEquals(200, inactive.status(), inactive.body());
        WebClient.Page reactivated = browser.submit(inactive, "/bots/" + bot.id() + "/reactivate", Map.of());
        assertEquals(200, reactivated.status(), reactivated.body());
        assertTrue(reactivated.text().contains(bot.fullName() + " has been unblocked"), reactivated.text());
        assertTrue(isActive(bot), "the bot is still deactivated");

        // The very same file, untouched, works again: the key was kept.
        assertEquals(key, Fixtures.keyOf(bot));
        ZulipJs.Result after = ZulipJs.getProfile(file);
        assertEquals(0, after.exitCode(), after.toString());
        assertEquals(bot.id(), after.json().path("user_id").asLong(), after.toString());
        assertTrue(after.json().path("is_bot").asBoolean(false), after.toString());
        assertEquals(hamlet.id(), after.json().path("bot_owner_id").asLong(), after.toString());
    }

    private WebClient loggedIn() {
        WebClient browser = new WebClient(site);
        WebClient.Page home = browser.login(OWNER, Fixtures.PASSWORD);
        assertEquals(200, home.status(), home.body());
        return browser;
    }

    /** "Add a new bot" without JavaScript: the form at /bots/new, posted to /bots. Returns the bot. */
    private User addBot(WebClient browser, String fullName, String shortName) {
        WebClient.Page form = browser.get("/bots/new");
        assertEquals(200, form.status(), form.body());
        assertNotNull(form.doc().selectFirst("select[name=bot_type] option[value=1]"), form.body());
        WebClient.Page created = browser.submit(form, "/bots",
                Map.of("bot_type", "1", "full_name", fullName, "short_name", shortName));
        assertEquals(200, created.status(), created.body());
        assertTrue(created.text().contains("Your bot has been created"), created.text());

        // Which bot: asked through the owner's API key, not read off the page.
        String email = shortName + "-bot@" + URI.create(site).getHost();
        Http.Response list = Http.get(site + "/api/v1/bots", Http.basic(OWNER, Fixtures.keyOf(hamlet)));
        assertEquals(200, list.status(), list.body());
        long id = 0;
        for (JsonNode b : list.json().path("bots")) {
            if (email.equals(b.path("email").asText())) id = b.path("user_id").asLong();
        }
        assertTrue(id > 0, "no bot " + email + " in " + list.body());
        long botId = id;
        User bot = keydesk.primary().database().jdbi().withExtension(UserDao.class, d -> d.findById(botId)).orElseThrow();
        assertTrue(bot.isBot(), bot.toString());
        // The details page the form led to is this bot's.
        assertNotNull(created.doc().selectFirst("a[href=\"/bots/" + botId + "/zuliprc\"]"), created.body());
        return bot;
    }

    /** The download icon of "Zuliprc configuration". */
    private String downloadZuliprc(WebClient browser, User bot) {
        WebClient.Page download = browser.get("/bots/" + bot.id() + "/zuliprc");
        assertEquals(200, download.status(), download.body());
        assertEquals("attachment; filename=\"zuliprc\"", download.header("Content-Disposition"));
        assertEquals("no-store", download.header("Cache-Control"));
        assertEquals("[api]\nemail=" + bot.email() + "\nkey=" + Fixtures.keyOf(bot) + "\nsite=" + site + "\n",
                download.body());
        return download.body();
    }

    private boolean isActive(User bot) {
        return keydesk.primary().database().jdbi().withExtension(UserDao.class, d -> d.findById(bot.id()))
                .orElseThrow().isActive();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }
}
