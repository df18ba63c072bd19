package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.apikey.Zuliprc;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zulip-js, signed in with a person's zuliprc, creates an outgoing webhook bot through the bots
 * API exactly as Zulip's web app sends it (payload_url JSON-encoded, interface_type and bot_type
 * as numbers, multipart), reads it back with GET /bots and regenerates its key
 * (src/test/node/outgoing-webhook-bot.js).
 */
@IntegrationTest
class OutgoingWebhookBotZulipJsTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @TempDir
    Path tmp;

    @BeforeAll
    static void installClient() {
        ZulipJs.ensureInstalled();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    @Test
    void zulipJsCreatesListsAndRegeneratesAnOutgoingWebhookBot() throws IOException {
        User hamlet = Fixtures.member("hamlet@zulip.com");
        String site = keydesk.baseUrl();
        Path zuliprc = Files.writeString(tmp.resolve("zuliprc"), Zuliprc.render(hamlet.email(), Fixtures.keyOf(hamlet), site, null));

        ZulipJs.Result run = ZulipJs.run("outgoing-webhook-bot.js", zuliprc.toString(), "Deploy Hook", "deploy",
                "https://hooks.example.com/zulip");
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode out = run.json();

        JsonNode created = out.path("created");
        long botId = created.path("user_id").asLong();
        String firstKey = created.path("api_key").asText();
        assertTrue(botId > 0, run.toString());
        assertTrue(created.path("default_sending_stream").isNull(), run.toString());

        JsonNode bots = out.path("listed").path("bots");
        assertEquals(1, bots.size(), run.toString());
        JsonNode bot = bots.get(0);
        String email = "deploy-bot@" + java.net.URI.create(site).getHost();
        assertEquals(email, bot.path("username").asText(), run.toString());
        assertEquals(botId, bot.path("user_id").asLong(), run.toString());
        assertEquals("Deploy Hook", bot.path("full_name").asText(), run.toString());
        assertEquals(3, bot.path("bot_type").asInt(), run.toString());
        assertEquals(hamlet.id(), bot.path("owner_id").asLong(), run.toString());
        assertEquals(firstKey, bot.path("api_key").asText(), run.toString());
        assertEquals("https://hooks.example.com/zulip", bot.path("services").get(0).path("base_url").asText(), run.toString());
        assertEquals(1, bot.path("services").get(0).path("interface").asInt(), run.toString());

        String newKey = out.path("regenerated").path("api_key").asText();
        assertNotEquals(firstKey, newKey, run.toString());
        assertEquals(newKey, Fixtures.keyOf(botId));
        assertEquals(401, Http.get(site + "/api/v1/users/me", Http.basic(email, firstKey)).status());
        assertEquals(200, Http.get(site + "/api/v1/users/me", Http.basic(email, newKey)).status());
    }
}
