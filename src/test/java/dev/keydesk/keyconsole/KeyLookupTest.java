package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.StderrCapture;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "Whose key is this?" for administrators: the lookup API and the Keys console's Find a key page,
 * with its Replace and Block. The key is never stored, logged or shown back; the lookup is audited.
 */
@IntegrationTest
class KeyLookupTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;
    private User member;
    private String adminAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        member = Fixtures.member("cordelia@zulip.com");
        adminAuth = Http.basic(admin.email(), Fixtures.keyOf(admin));
    }

    private Http.Response lookUp(String key, String authorization) {
        return Http.postForm(keydesk.baseUrl() + "/api/v1/keys/lookup", Http.form("key", key), authorization);
    }

    @Test
    void theApiSaysWhoseKeyItIsItsKindStateAndAuditEntries() {
        String memberKey = Fixtures.keyOf(member);
        assertEquals(200, Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key", Http.form("username",
                member.email(), "password", Fixtures.PASSWORD, "client", "ZulipTerminal"), null).status());

        Http.Response r = lookUp(memberKey, adminAuth);
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertTrue(body.get("found").asBoolean());
        assertEquals("main", body.get("key").get("kind").asText());
        assertTrue(body.get("key").get("revoked_at").isNull());
        assertEquals(member.id(), body.get("account").get("user_id").asLong());
        assertEquals("ZulipTerminal", body.get("devices").get(0).get("client").asText());
        assertFalse(r.body().contains(memberKey), "the answer never repeats the key");
        List<String> events = body.get("audit").findValuesAsText("event");
        assertTrue(events.containsAll(List.of("api_key_looked_up", "api_key_revealed", "api_key_changed")), events.toString());

        BotActions.Created bot = Fixtures.bot(member, "Deploy Bot", "deploy");
        JsonNode botAnswer = lookUp(bot.apiKey(), adminAuth).json();
        assertEquals("bot", botAnswer.get("key").get("kind").asText());
        assertEquals(1, botAnswer.get("account").get("bot_owners").size());
        assertEquals("Member cordelia@zulip.com <cordelia@zulip.com>", botAnswer.get("account").get("bot_owners").get(0).asText());

        Fixtures.regenerateKey(member);
        JsonNode old = lookUp(memberKey, adminAuth).json();
        assertEquals("not_current", old.get("key").get("kind").asText());
        assertFalse(old.get("key").get("revoked_at").isNull());

        assertFalse(lookUp(ApiKeyFormat.generate(), adminAuth).json().get("found").asBoolean());
        assertFalse(lookUp("not a key", adminAuth).json().get("found").asBoolean());

        String audit = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT string_agg(details::text, ' ') FROM audit_log WHERE event_type = 'api_key_looked_up'")
                .mapTo(String.class).one());
        assertFalse(audit.contains(memberKey) || audit.contains(bot.apiKey()), audit);
        assertEquals(5, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_looked_up'"),
                "every lookup is recorded, found or not");
    }

    @Test
    void aKeyPastItsExpiryIsNotCurrentByTheClockThatRefusesIt() {
        BotActions.Created bot = Fixtures.bot(member, "Deploy Bot", "deploy");
        Instant expiry = TestKeydesk.CLOCK.instant().plus(Duration.ofDays(2));
        Fixtures.setBotKeyExpiry(bot.bot().id(), expiry);
        try {
            assertEquals("bot", lookUp(bot.apiKey(), adminAuth).json().get("key").get("kind").asText());
            TestKeydesk.CLOCK.advance(Duration.ofDays(3));
            assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me",
                    Http.basic(bot.bot().email(), bot.apiKey())).status(), "refused as expired");
            assertEquals("not_current", lookUp(bot.apiKey(), adminAuth).json().get("key").get("kind").asText(),
                    "and the lookup says so at the same moment");
        } finally {
            TestKeydesk.CLOCK.reset();
        }
    }

    @Test
    void onlyAdministratorsLookUpAndOnlyWithTheKeyInTheBody() {
        String memberAuth = Http.basic(member.email(), Fixtures.keyOf(member));
        Http.Response asMember = lookUp(Fixtures.keyOf(admin), memberAuth);
        assertEquals(400, asMember.status());
        assertEquals("UNAUTHORIZED_PRINCIPAL", asMember.json().get("code").asText());
        assertEquals(401, lookUp(Fixtures.keyOf(admin), null).status());
        Http.Response inUrl = Http.postForm(keydesk.baseUrl() + "/api/v1/keys/lookup?key=" + Fixtures.keyOf(member),
                Map.of(), adminAuth);
        assertEquals(400, inUrl.status(), inUrl.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_looked_up'"));
    }

    @Test
    void thePageFindsAKeyAndReplacesItAfterAskingWithoutLoggingIt() {
        WebClient web = new WebClient(keydesk.baseUrl());
        web.login(admin.email(), Fixtures.PASSWORD);
        String key = Fixtures.keyOf(member);
        WebClient.Page keys = web.get("/keys");
        assertNotNull(keys.doc().selectFirst("a[href=/keys/lookup]"), "the Keys page links to Find a key");

        WebClient.Page form = web.get("/keys/lookup");
        assertEquals(200, form.status());
        WebClient.Page result;
        try (StderrCapture log = new StderrCapture()) {
            result = web.submit(form, "/keys/lookup", Map.of("key", key));
            assertFalse(log.text().contains(key), "the key is not logged");
        }
        assertEquals(200, result.status());
        assertEquals("no-store", result.header("Cache-Control"));
        assertFalse(result.body().contains(key), "the key is not shown back");
        Element facts = result.doc().selectFirst("dl.facts");
        assertTrue(facts.text().contains("Member cordelia@zulip.com") && facts.text().contains("Main key")
                && facts.text().contains("Active"), facts.text());

        long keyId = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT id FROM api_keys WHERE user_id = :u AND revoked_at IS NULL").bind("u", member.id())
                .mapTo(Long.class).one());
        String replace = "/keys/lookup/" + keyId + "/replace";
        WebClient.Page asked = web.submit(result, replace, Map.of());
        assertEquals(200, asked.status());
        assertTrue(asked.text().contains("Replace the key of Member cordelia@zulip.com?"), asked.text());
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(member.email(), key)).status(),
                "nothing changes before the answer");

        WebClient.Page done = web.submit(asked, replace, Map.of());
        assertEquals(200, done.status());
        assertTrue(done.text().contains("The key was replaced"), done.text());
        assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(member.email(), key)).status());

        WebClient.Page stale = web.submit(result, replace, Map.of("confirmed", "yes"));
        assertEquals(409, stale.status(), "a key replaced meanwhile is not replaced again");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM api_keys WHERE user_id = " + member.id()));
    }

    @Test
    void aBotKeyCanBeBlockedAPersonsCannot() {
        WebClient web = new WebClient(keydesk.baseUrl());
        web.login(admin.email(), Fixtures.PASSWORD);
        BotActions.Created bot = Fixtures.bot(member, "Deploy Bot", "deploy");
        WebClient.Page result = web.submit(web.get("/keys/lookup"), "/keys/lookup", Map.of("key", bot.apiKey()));
        Element block = result.doc().selectFirst("form[action$=/block]");
        assertNotNull(block, result.body());
        WebClient.Page done = web.submit(result, block.attr("action"), Map.of("confirmed", "yes"));
        assertTrue(done.text().contains("The key was blocked"), done.text());
        assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(bot.bot().email(), bot.apiKey())).status());

        WebClient.Page person = web.submit(web.get("/keys/lookup"), "/keys/lookup", Map.of("key", Fixtures.keyOf(member)));
        assertEquals(null, person.doc().selectFirst("form[action$=/block]"), "a person's key offers Replace only");
        long keyId = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT id FROM api_keys WHERE user_id = :u AND revoked_at IS NULL").bind("u", member.id())
                .mapTo(Long.class).one());
        WebClient.Page refused = web.post("/keys/lookup/" + keyId + "/block",
                Map.of("csrf_token", WebClient.csrf(person), "confirmed", "yes"));
        assertEquals(400, refused.status());
    }

    @Test
    void anAdministratorWhoIsNotAnOwnerCannotReplaceAnOwnersKey() {
        User iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        WebClient web = new WebClient(keydesk.baseUrl());
        web.login(iago.email(), Fixtures.PASSWORD);
        String ownerKey = Fixtures.keyOf(admin);
        WebClient.Page result = web.submit(web.get("/keys/lookup"), "/keys/lookup", Map.of("key", ownerKey));
        assertTrue(result.text().contains("King Lear"), result.text());
        assertEquals(null, result.doc().selectFirst("form[action$=/replace]"), "no Replace for an owner's key");
        long keyId = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT id FROM api_keys WHERE user_id = :u AND revoked_at IS NULL").bind("u", admin.id())
                .mapTo(Long.class).one());
        WebClient.Page refused = web.post("/keys/lookup/" + keyId + "/replace",
                Map.of("csrf_token", WebClient.csrf(result), "confirmed", "yes"));
        assertEquals(403, refused.status());
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(admin.email(), ownerKey)).status());
    }

    @Test
    void membersAndFormsWithoutTheTokenAreRefused() {
        WebClient web = new WebClient(keydesk.baseUrl());
        web.login(member.email(), Fixtures.PASSWORD);
        assertEquals(403, web.get("/keys/lookup").status());
        WebClient.Page home = web.get("/account");
        assertEquals(403, web.post("/keys/lookup", Map.of("csrf_token", WebClient.csrf(home), "key", Fixtures.keyOf(admin))).status());

        WebClient adminWeb = new WebClient(keydesk.baseUrl());
        adminWeb.login(admin.email(), Fixtures.PASSWORD);
        assertEquals(403, adminWeb.post("/keys/lookup", Map.of("key", Fixtures.keyOf(member))).status(), "no form token");
        WebClient.Page empty = adminWeb.submit(adminWeb.get("/keys/lookup"), "/keys/lookup", Map.of("key", "  "));
        assertEquals(400, empty.status());
        WebClient.Page junk = adminWeb.submit(adminWeb.get("/keys/lookup"), "/keys/lookup", Map.of("key", "hello"));
        assertTrue(junk.text().contains("This is not a Keydesk key"), junk.text());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_looked_up' AND actor_id = "
                + member.id()));
    }
}
