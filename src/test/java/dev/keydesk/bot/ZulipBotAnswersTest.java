package dev.keydesk.bot;

import static dev.keydesk.support.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.support.ApiContract;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bot endpoints' answers replayed from Zulip's own server tests (zerver/tests/test_bots.py,
 * zerver/tests/test_users.py), word for word where a client or a test compares them, while the
 * page forms keep Keydesk's fuller explanations of the same refusals.
 */
@IntegrationTest
class ZulipBotAnswersTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String api;
    private User cordelia;
    private String cordeliaAuth;
    private String iagoAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        api = keydesk.baseUrl() + "/api/v1";
        cordelia = Fixtures.member("cordelia@zulip.com");
        cordeliaAuth = Http.basic(cordelia.email(), Fixtures.keyOf(cordelia));
        User iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        iagoAuth = Http.basic(iago.email(), Fixtures.keyOf(iago));
    }

    private long createBot(String name, String shortName) {
        Http.Response r = Http.postForm(api + "/bots", form("full_name", name, "short_name", shortName), cordeliaAuth);
        assertEquals(200, r.status(), r.body());
        return r.json().get("user_id").asLong();
    }

    private Http.Response patch(long botId, Map<String, String> params) {
        return Http.raw("PATCH", api + "/bots/" + botId, "application/x-www-form-urlencoded",
                Http.urlencode(params).getBytes(StandardCharsets.UTF_8), Map.of("Authorization", cordeliaAuth));
    }

    /** test_bots.py, BotTest: add_bot_backend's check_short_name and email checks say "Bad name or username". */
    @Test
    void aShortNameKeydeskCannotUseIsZulipsBadNameOrUsername() {
        for (String shortName : List.of("no spaces", "", "   ", "ü")) {
            Http.assertBadRequest(Http.postForm(api + "/bots", form("full_name", "Okay Bot", "short_name", shortName),
                    cordeliaAuth), "Bad name or username");
        }
        // The form keeps the explanation of what a short name may hold.
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(cordelia.email(), Fixtures.PASSWORD);
        WebClient.Page answer = browser.submit(browser.get("/bots/new"), "/bots",
                Map.of("bot_type", "1", "full_name", "Okay Bot", "short_name", "no spaces"));
        assertEquals(400, answer.status());
        assertTrue(answer.text().contains("Bad name or username: use up to 40 letters"), answer.text());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    /**
     * test_bots.py, test_create_outgoing_webhook_bot and test_patch_bot_to_outgoing_webhook…:
     * zerver/lib/validator.py's check_url names the parameter: "payload_url is not a URL" on
     * create, "service_payload_url is not a URL" on PATCH.
     */
    @Test
    void aPayloadUrlThatIsNoUrlIsZulipsCheckUrlMessage() {
        for (String url : List.of("invalid_url", "javascript:alert(1)", "ftp://example.com/x", "")) {
            Http.assertBadRequest(Http.postForm(api + "/bots", form("full_name", "Hook Bot", "short_name", "hook",
                    "bot_type", "3", "payload_url", "\"" + url + "\""), cordeliaAuth), "payload_url is not a URL");
        }
        Http.assertBadRequest(Http.postForm(api + "/bots", form("full_name", "Hook Bot", "short_name", "hook",
                "bot_type", "3"), cordeliaAuth), "payload_url is not a URL");
        Http.Response created = Http.postForm(api + "/bots", form("full_name", "Hook Bot", "short_name", "hook",
                "bot_type", "3", "payload_url", "\"http://127.0.0.1:5002\""), cordeliaAuth);
        assertEquals(200, created.status(), created.body());
        long id = created.json().get("user_id").asLong();
        Http.assertBadRequest(patch(id, Map.of("service_payload_url", "\"invalid_url\"")), "service_payload_url is not a URL");

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(cordelia.email(), Fixtures.PASSWORD);
        WebClient.Page answer = browser.submit(browser.get("/bots/new"), "/bots",
                Map.of("bot_type", "3", "full_name", "Form Hook", "short_name", "formhook", "payload_url", "invalid_url"));
        assertEquals(400, answer.status());
        assertTrue(answer.text().contains("The payload URL must be an http:// or https:// URL."), answer.text());
    }

    /**
     * test_bots.py, test_patch_bot_owner_bad_user_id, test_patch_bot_owner_deactivated and
     * test_patch_bot_owner_a_bot: patch_bot_backend's three refusals of bot_owner_id.
     */
    @Test
    void aNewOwnerZulipRefusesIsRefusedInZulipsWords() {
        long id = createBot("Helper Bot", "helper");
        long otherBot = createBot("Other Bot", "other");
        User gone = Fixtures.member("othello@zulip.com");
        Fixtures.deactivate(gone);
        Http.assertBadRequest(patch(id, Map.of("bot_owner_id", "424242")), "Failed to change owner, no such user");
        Http.assertBadRequest(patch(id, Map.of("bot_owner_id", Long.toString(gone.id()))),
                "Failed to change owner, user is deactivated");
        Http.assertBadRequest(patch(id, Map.of("bot_owner_id", Long.toString(otherBot))),
                "Failed to change owner, bots can't own other bots");
        assertEquals(cordelia.id(), Fixtures.count("SELECT owner_id FROM bot_owners WHERE bot_id = " + id));
    }

    /**
     * test_users.py, test_api_with_insufficient_permissions / reactivate_user_backend's
     * access_user_by_id(for_admin=True): a member reactivating a person is told "Insufficient permission".
     */
    @Test
    void aMemberReactivatingAPersonGetsInsufficientPermission() {
        User othello = Fixtures.member("othello@zulip.com");
        Fixtures.deactivate(othello);
        Http.assertBadRequest(Http.postForm(api + "/users/" + othello.id() + "/reactivate", Map.of(), cordeliaAuth),
                "Insufficient permission");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + othello.id()));
        assertEquals(200, Http.postForm(api + "/users/" + othello.id() + "/reactivate", Map.of(), iagoAuth).status());
    }

    /**
     * test_bots.py, test_patch_bot_via_post: Zulip's rest_dispatch honours {@code method=PATCH}
     * in a POST's form, and the answer reports {@code method} as ignored.
     */
    @Test
    void aPostWithMethodPatchReachesThePatchHandlerAndReportsMethodAsIgnored() throws Exception {
        long id = createBot("Helper Bot", "helper");
        Map<String, String> params = new LinkedHashMap<>();
        params.put("full_name", "Fred");
        params.put("method", "PATCH");
        Http.Response r = postForm("/bots/" + id, params);
        assertEquals(200, r.status(), r.body());
        ApiContract.check("PATCH", "/api/v1/bots/" + id, r); // the answer is PATCH's, as the description says
        JsonNode body = r.json();
        assertEquals("Fred", body.get("full_name").asText());
        assertEquals("[\"method\"]", body.get("ignored_parameters_unsupported").toString());
        assertEquals("Fred", keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT full_name FROM users WHERE id = :id").bind("id", id).mapTo(String.class).one()));
        assertTrue(Fixtures.auditEvents(id).contains("bot_modified"));

        // method=DELETE reaches DELETE /bots/{bot_id}; without the field, a POST there is still 405.
        Http.Response deleted = postForm("/bots/" + id, Map.of("method", "DELETE"));
        assertEquals(200, deleted.status(), deleted.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + id));
        assertEquals(405, postForm("/bots/" + id, Map.of("full_name", "Plain Post")).status());
        assertEquals(405, postForm("/bots/" + id, Map.of("method", "patch")).status(), "Zulip compares the name exactly");
    }

    /** Sent without the test helper's check, which would judge the answer as a POST's. */
    private Http.Response postForm(String path, Map<String, String> params) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", cordeliaAuth)
                .POST(HttpRequest.BodyPublishers.ofString(Http.urlencode(params))).build();
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Http.Response(r.statusCode(), r.headers(), r.body());
    }
}
