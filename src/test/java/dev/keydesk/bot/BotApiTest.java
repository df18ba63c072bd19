package dev.keydesk.bot;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bots API: every endpoint's success and error paths, and who may use it. */
@IntegrationTest
class BotApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String api;
    private User owner;
    private User other;
    private User admin;
    private String ownerAuth;
    private String otherAuth;
    private String adminAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        api = keydesk.baseUrl() + "/api/v1";
        owner = Fixtures.member("cordelia@zulip.com");
        other = Fixtures.member("othello@zulip.com");
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        ownerAuth = Http.basic("cordelia@zulip.com", Fixtures.keyOf(owner));
        otherAuth = Http.basic("othello@zulip.com", Fixtures.keyOf(other));
        adminAuth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
    }

    private Http.Response createBot(String auth, Map<String, String> params) {
        Http.Response r = Http.postForm(api + "/bots", params, auth);
        return r;
    }

    private JsonNode createGenericBot(String name, String shortName) {
        Http.Response r = createBot(ownerAuth, form("full_name", name, "short_name", shortName));
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static void assertError(Http.Response r, int status, String msg) {
        assertEquals(status, r.status(), r.body());
        assertEquals("error", r.json().get("result").asText());
        assertEquals(msg, r.json().get("msg").asText());
    }

    @Test
    void createdBotAuthenticatesWithItsOwnKey() {
        JsonNode created = createGenericBot("Helper Bot", "helper");
        String key = created.get("api_key").asText();
        assertTrue(ApiKeyFormat.isWellFormed(key));
        long botId = created.get("user_id").asLong();
        String host = keydesk.primary().services().settings().externalUrl().getHost();
        Http.Response me = Http.get(api + "/users/me", Http.basic("helper-bot@" + host, key));
        assertEquals(200, me.status());
        assertTrue(me.json().get("is_bot").asBoolean());
        assertEquals(1, me.json().get("bot_type").asInt());
        assertEquals(owner.id(), me.json().get("bot_owner_id").asLong());
        assertEquals(botId, me.json().get("user_id").asLong());
        assertTrue(Fixtures.auditEvents(botId).containsAll(java.util.List.of("bot_created", "api_key_changed")));
    }

    @Test
    void multipartCreationWithAnAvatarWorks() throws Exception {
        byte[] png = Images.png(40, 30);
        Http.Response r = Http.postMultipartWithFile(api + "/bots",
                form("full_name", "Pictured Bot", "short_name", "pictured"), "file", "face.png", "image/png", png, ownerAuth);
        assertEquals(200, r.status(), r.body());
        Http.Response avatar = Http.get(r.json().get("avatar_url").asText(), null);
        assertEquals(200, avatar.status());
        assertEquals("image/png", avatar.header("Content-Type").orElse(""));
    }

    @Test
    void badInputIsRefusedAndCreatesNothing() {
        long before = Fixtures.count("SELECT count(*) FROM users");
        assertError(createBot(ownerAuth, form("full_name", "X", "short_name", "x")), 400, "Name too short!");
        assertError(createBot(ownerAuth, form("full_name", "N".repeat(101), "short_name", "x")), 400, "Name too long!");
        assertError(createBot(ownerAuth, form("full_name", "Bad\u0007Bot", "short_name", "x")), 400,
                "Invalid characters in name!");
        assertEquals(400, createBot(ownerAuth, form("full_name", "Okay Bot", "short_name", "no spaces")).status());
        assertError(createBot(ownerAuth, form("full_name", "Okay Bot", "short_name", "okay", "bot_type", "9")), 400,
                "Invalid bot type");
        assertEquals(400, createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "\"javascript:alert(1)\"")).status());
        assertEquals(400, createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "\"ftp://example.com/x\"")).status());
        assertEquals(400, createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3")).status());
        Http.Response missing = createBot(ownerAuth, form("full_name", "Okay Bot"));
        assertEquals("REQUEST_VARIABLE_MISSING", missing.json().get("code").asText());
        assertEquals(before, Fixtures.count("SELECT count(*) FROM users"));
    }

    @Test
    void namesAndShortNamesAreUnique() {
        createGenericBot("Helper Bot", "helper");
        assertError(createBot(ownerAuth, form("full_name", "helper bot", "short_name", "other")), 400,
                "Name is already in use!");
        assertError(createBot(ownerAuth, form("full_name", "Another Bot", "short_name", "Helper")), 400,
                "Username already in use");
    }

    @Test
    void nonImageAvatarsAreRefused() {
        Http.Response r = Http.postMultipartWithFile(api + "/bots", form("full_name", "Pictured Bot", "short_name", "pictured"),
                "file", "evil.png", "image/png", "<svg onload=alert(1)>".getBytes(), ownerAuth);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.json().get("msg").asText().contains("image"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void outgoingWebhookBotsHaveAServiceAndAToken() {
        Http.Response r = createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "\"https://example.com/hook\"", "interface_type", "2"));
        assertEquals(200, r.status(), r.body());
        Http.Response list = Http.get(api + "/bots", ownerAuth);
        JsonNode bot = list.json().get("bots").get(0);
        assertEquals("https://example.com/hook", bot.get("services").get(0).get("base_url").asText());
        assertEquals(2, bot.get("services").get(0).get("interface").asInt());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM bot_services"));
    }

    @Test
    void parametersAreZulipEncoded() {
        assertError(createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "https://example.com/hook")), 400, "Argument \"payload_url\" is not valid JSON.");
        assertError(createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "42")), 400, "payload_url is not a string");
        assertError(createBot(ownerAuth, form("full_name", "Okay Bot", "short_name", "okay", "bot_type", "\"1\"")),
                400, "bot_type is not an integer");
        assertError(createBot(ownerAuth, form("full_name", "Okay Bot", "short_name", "okay", "bot_type", "one")),
                400, "Argument \"bot_type\" is not valid JSON.");
        assertError(createBot(ownerAuth, form("full_name", "Okay Bot", "short_name", "okay", "interface_type", "1.5")),
                400, "interface_type is not an integer");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        // A body parameter wins over a query parameter of the same name, as in Zulip.
        Http.Response both = Http.postForm(api + "/bots?short_name=fromquery", form("full_name", "Okay Bot",
                "short_name", "frombody"), ownerAuth);
        assertEquals(200, both.status(), both.body());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE email LIKE 'frombody-bot@%'"));
    }

    @Test
    void listItemsHaveZulipsShape() {
        JsonNode created = createGenericBot("Helper Bot", "helper");
        JsonNode bot = Http.get(api + "/bots", ownerAuth).json().get("bots").get(0);
        String email = "helper-bot@" + keydesk.primary().services().settings().externalUrl().getHost();
        assertEquals(email, bot.get("username").asText());
        assertEquals(email, bot.get("email").asText());
        assertEquals(created.get("user_id").asLong(), bot.get("user_id").asLong());
        assertEquals(created.get("api_key").asText(), bot.get("api_key").asText());
        assertEquals(owner.id(), bot.get("owner_id").asLong());
        assertEquals(1, bot.get("bot_type").asInt());
        assertTrue(bot.get("is_active").asBoolean());
        assertTrue(bot.get("default_sending_stream").isNull());
        assertEquals(0, bot.get("services").size());
    }

    @Test
    void listShowsOnlyOnesOwnBotsToAdministratorsToo() {
        long id = createGenericBot("Helper Bot", "helper").get("user_id").asLong();
        Http.Response mine = Http.get(api + "/bots", ownerAuth);
        assertEquals(1, mine.json().get("bots").size());
        assertEquals("no-store", mine.header("Cache-Control").orElse(""));
        Http.Response theirs = Http.get(api + "/bots", otherAuth);
        assertEquals(0, theirs.json().get("bots").size());
        assertFalse(theirs.body().contains(mine.json().get("bots").get(0).get("api_key").asText()));
        Http.Response admins = Http.get(api + "/bots", adminAuth);
        assertEquals(0, admins.json().get("bots").size(), "as in Zulip, GET /bots lists the caller's own bots");
        assertEquals(200, Http.get(api + "/bots/" + id + "/api_key", adminAuth).status(), "administrators still reach it");
    }

    @Test
    void guestsCannotUseTheBotEndpoints() {
        User guest = Fixtures.user("guest@zulip.com", "Guest", Role.GUEST);
        String guestAuth = Http.basic("guest@zulip.com", Fixtures.keyOf(guest));
        assertError(Http.get(api + "/bots", guestAuth), 400, "Not allowed for guest users");
        assertError(createBot(guestAuth, form("full_name", "Guest Bot", "short_name", "guest")), 400,
                "Not allowed for guest users");
    }

    @Test
    void apiKeyAndRegenerateForOwnersAndAdminsOnly() {
        JsonNode created = createGenericBot("Helper Bot", "helper");
        long id = created.get("user_id").asLong();
        String oldKey = created.get("api_key").asText();

        Http.Response ownerKey = Http.get(api + "/bots/" + id + "/api_key", ownerAuth);
        assertEquals(oldKey, ownerKey.json().get("api_key").asText());
        assertEquals("no-store", ownerKey.header("Cache-Control").orElse(""));
        assertEquals(oldKey, Http.get(api + "/bots/" + id + "/api_key", adminAuth).json().get("api_key").asText());

        Http.Response denied = Http.get(api + "/bots/" + id + "/api_key", otherAuth);
        assertError(denied, 400, "Insufficient permission");
        assertFalse(denied.body().contains(oldKey));
        assertError(Http.postForm(api + "/bots/" + id + "/api_key/regenerate", Map.of(), otherAuth), 400,
                "Insufficient permission");
        assertError(Http.get(api + "/bots/999999/api_key", ownerAuth), 400, "No such bot");
        assertError(Http.get(api + "/bots/abc/api_key", ownerAuth), 400, "No such bot");
        assertError(Http.get(api + "/bots/" + owner.id() + "/api_key", adminAuth), 400, "No such bot");

        String botEmail = "helper-bot@" + keydesk.primary().services().settings().externalUrl().getHost();
        assertEquals(200, Http.get(api + "/users/me", Http.basic(botEmail, oldKey)).status()); // now cached
        Http.Response regenerated = Http.postForm(api + "/bots/" + id + "/api_key/regenerate", Map.of(), ownerAuth);
        String newKey = regenerated.json().get("api_key").asText();
        assertNotEquals(oldKey, newKey);
        assertEquals(401, Http.get(api + "/users/me", Http.basic(botEmail, oldKey)).status());
        assertEquals(200, Http.get(api + "/users/me", Http.basic(botEmail, newKey)).status());
        assertEquals(200, Http.postForm(api + "/bots/" + id + "/api_key/regenerate", Map.of(), adminAuth).status());
    }

    @Test
    void deactivationRefusesTheKeyAndReactivationRestoresTheSameKey() {
        JsonNode created = createGenericBot("Helper Bot", "helper");
        long id = created.get("user_id").asLong();
        String key = created.get("api_key").asText();
        String botEmail = "helper-bot@" + keydesk.primary().services().settings().externalUrl().getHost();
        assertEquals(200, Http.get(api + "/users/me", Http.basic(botEmail, key)).status());

        assertError(Http.raw("DELETE", api + "/bots/" + id, null, null, Map.of("Authorization", otherAuth)), 400,
                "Insufficient permission");
        Http.Response deleted = Http.raw("DELETE", api + "/bots/" + id, null, null, Map.of("Authorization", ownerAuth));
        assertEquals(200, deleted.status());
        Http.Response refused = Http.get(api + "/users/me", Http.basic(botEmail, key));
        assertEquals(401, refused.status());
        assertEquals("Account is deactivated", refused.json().get("msg").asText());

        assertError(Http.postForm(api + "/users/" + id + "/reactivate", Map.of(), otherAuth), 400, "Insufficient permission");
        Http.Response reactivated = Http.postForm(api + "/users/" + id + "/reactivate", Map.of(), ownerAuth);
        assertEquals(200, reactivated.status());
        assertEquals(200, Http.get(api + "/users/me", Http.basic(botEmail, key)).status());
        assertTrue(Fixtures.auditEvents(id).containsAll(java.util.List.of("bot_deactivated", "bot_reactivated")));
    }

    @Test
    void reactivatingPeopleIsForAdminsOnly() {
        Fixtures.deactivate(other);
        Http.Response forbidden = Http.postForm(api + "/users/" + other.id() + "/reactivate", Map.of(), ownerAuth);
        assertError(forbidden, 400, "Insufficient permission"); // Zulip's access_user_by_id(for_admin=True)
        assertEquals(200, Http.postForm(api + "/users/" + other.id() + "/reactivate", Map.of(), adminAuth).status());
        assertError(Http.postForm(api + "/users/424242/reactivate", Map.of(), adminAuth), 400, "No such user");
    }

    @Test
    void patchRenamesChangesTheOwnerAndTheService() {
        long id = createBot(ownerAuth, form("full_name", "Hook Bot", "short_name", "hook", "bot_type", "3",
                "payload_url", "\"https://example.com/hook\"")).json().get("user_id").asLong();
        Http.Response patched = Http.raw("PATCH", api + "/bots/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(form("full_name", "Renamed Bot", "service_payload_url", "\"https://example.org/new\"",
                        "service_interface", "2")).getBytes(), Map.of("Authorization", ownerAuth));
        assertEquals(200, patched.status(), patched.body());
        assertEquals("Renamed Bot", patched.json().get("full_name").asText());
        assertEquals("https://example.org/new", patched.json().get("service_payload_url").asText());
        assertEquals(2, patched.json().get("service_interface").asInt());
        assertEquals("cordelia@zulip.com", patched.json().get("bot_owner").asText());
        assertTrue(patched.json().get("config_data").isNull());

        Http.Response badUrl = Http.raw("PATCH", api + "/bots/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(form("service_payload_url", "\"file:///etc/passwd\"")).getBytes(), Map.of("Authorization", ownerAuth));
        assertEquals(400, badUrl.status());

        Http.Response newOwner = Http.raw("PATCH", api + "/bots/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(form("bot_owner_id", Long.toString(other.id()))).getBytes(), Map.of("Authorization", ownerAuth));
        assertEquals(200, newOwner.status(), newOwner.body());
        assertEquals("othello@zulip.com", newOwner.json().get("bot_owner").asText());
        assertError(Http.get(api + "/bots/" + id + "/api_key", ownerAuth), 400, "Insufficient permission");
        assertEquals(200, Http.get(api + "/bots/" + id + "/api_key", otherAuth).status());
        assertTrue(Fixtures.auditEvents(id).contains("bot_owners_changed"));

        Http.Response renamedByStranger = Http.raw("PATCH", api + "/bots/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(form("full_name", "Stolen")).getBytes(), Map.of("Authorization", ownerAuth));
        assertError(renamedByStranger, 400, "Insufficient permission");
    }

    @Test
    void botsCannotManageBots() {
        JsonNode created = createGenericBot("Helper Bot", "helper");
        String botAuth = Http.basic("helper-bot@" + keydesk.primary().services().settings().externalUrl().getHost(),
                created.get("api_key").asText());
        String refused = "This endpoint does not accept bot requests.";
        assertError(createBot(botAuth, form("full_name", "Child Bot", "short_name", "child")), 400, refused);
        assertError(Http.get(api + "/bots", botAuth), 400, refused);
    }

    @Test
    void avatarsWithTooManyPixelsAreRefusedBeforeDecoding() {
        Http.Response r = Http.postMultipartWithFile(api + "/bots", form("full_name", "Huge Bot", "short_name", "huge"),
                "file", "huge.png", "image/png", Images.png(2100, 2100), ownerAuth);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.json().get("msg").asText().contains("too many pixels"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }
}
