package dev.keydesk.bot;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Webhook URL is checked when it is entered (the bot form, the Keys page's New and Modify
 * forms, the bots API): one that leads to an internal address is refused with a message beside
 * the field; one whose host cannot be found now is accepted, as a Zulip server accepts it, and
 * checked again at each delivery. The shared test servers allow private targets (their
 * receivers are local), so these tests run a Keydesk of their own on the same database without
 * the switch.
 */
@IntegrationTest
class WebhookUrlEntryTest {
    private static final String INTERNAL = "internal address";

    private static Keydesk strict;
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;
    private WebClient browser;
    private String base;
    private String auth;

    @BeforeAll
    static void startWithoutTheSwitch() {
        strict = TestKeydesk.get().startSeparate(Map.of("KEYDESK_WEBHOOKS_ALLOW_PRIVATE", "false"));
    }

    @AfterAll
    static void stop() {
        if (strict != null) strict.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        strict.services().keyCache().forgetAll();
        assertFalse(strict.services().settings().webhooksAllowPrivate());
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        base = "http://localhost:" + strict.port();
        browser = new WebClient(base);
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        auth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
    }

    private static long bots() {
        return Fixtures.count("SELECT count(*) FROM users WHERE is_bot");
    }

    /** The message beside the field, and the field marked invalid and pointing at it. */
    private static String fieldError(Page page, String inputId) {
        Element input = page.doc().getElementById(inputId);
        assertNotNull(input, "no #" + inputId + ":\n" + page.body());
        assertEquals("true", input.attr("aria-invalid"), input.outerHtml());
        String errorId = input.attr("aria-describedby").split(" ")[0];
        Element error = page.doc().getElementById(errorId);
        assertNotNull(error, "no message #" + errorId + " for #" + inputId + ":\n" + page.body());
        assertEquals("alert", error.attr("role"));
        assertNull(page.doc().selectFirst("section > p.error"), "the message is beside the field, not above the form");
        return error.text();
    }

    // ---------------------------------------------------------------- Your bots

    @Test
    void theBotFormRefusesInternalHostsBesideTheField() {
        Map<String, String> refused = Map.of(
                "http://127.0.0.1/hook", INTERNAL,
                "http://localhost:8080/hook", INTERNAL,
                "http://169.254.169.254/latest/meta-data/", INTERNAL,
                "http://[::1]/hook", INTERNAL,
                "http://10.0.0.7/hook", INTERNAL);
        int n = 0;
        for (var entry : refused.entrySet()) {
            Page form = browser.get("/bots/new");
            Page answer = browser.submit(form, "/bots", Map.of("bot_type", "3", "full_name", "Hook " + ++n,
                    "short_name", "hook" + n, "payload_url", entry.getKey()));
            assertEquals(400, answer.status(), entry.getKey());
            String message = fieldError(answer, "payload_url");
            assertTrue(message.contains(entry.getValue()), entry.getKey() + ": " + message);
            assertFalse(message.contains("127.0.0.1") && !entry.getKey().contains("127.0.0.1"),
                    "the address a name resolves to is not told: " + message);
            assertEquals(entry.getKey(), answer.doc().getElementById("payload_url").attr("value"), "kept for correcting");
        }
        assertEquals(0, bots(), "no bot was created");

        // A public address is accepted; it is a literal, so no DNS is needed here.
        Page form = browser.get("/bots/new");
        Page created = browser.submit(form, "/bots", Map.of("bot_type", "3", "full_name", "Public Hook",
                "short_name", "public", "payload_url", "https://93.184.216.34/hook"));
        assertEquals(200, created.status(), created.body());
        assertEquals(1, bots());

        // A host that cannot be found now is accepted: deliveries look it up again each time.
        Page unknown = browser.submit(browser.get("/bots/new"), "/bots", Map.of("bot_type", "3", "full_name", "Later Hook",
                "short_name", "later", "payload_url", "https://no-such-host.invalid/hook"));
        assertEquals(200, unknown.status(), unknown.body());
        assertEquals(2, bots());
    }

    @Test
    void theBotEditFormRefusesAnInternalUrlButKeepsAnUnchangedOne() {
        // Entered on a server that allows private targets (the shared one), then edited here.
        BotActions.Created bot = Fixtures.webhookBot(admin, "Local Hook", "local", "http://127.0.0.1:9/hook");
        long id = bot.bot().id();

        Page edit = browser.get("/bots/" + id + "/edit");
        Page renamed = browser.submit(edit, "/bots/" + id + "/edit", Map.of("full_name", "Local Hook (old)"));
        assertEquals(200, renamed.status(), "an unchanged URL is not checked again:\n" + renamed.body());

        Page again = browser.get("/bots/" + id + "/edit");
        Page refused = browser.submit(again, "/bots/" + id + "/edit", Map.of("payload_url", "http://192.168.1.1/hook"));
        assertEquals(400, refused.status());
        assertTrue(fieldError(refused, "payload_url").contains(INTERNAL));
        assertEquals("http://127.0.0.1:9/hook", payloadUrl(id));
    }

    // ---------------------------------------------------------------- Keys

    @Test
    void theKeysNewAndModifyFormsRefuseInternalHostsBesideTheField() {
        Page form = browser.get("/keys/new");
        Page refused = browser.submit(form, "/keys", Map.of("name", "Metadata", "webhook_url",
                "http://169.254.169.254/latest/meta-data/", "accounts", Long.toString(admin.id())));
        assertEquals(400, refused.status());
        assertTrue(fieldError(refused, "key-webhook").contains(INTERNAL));
        assertEquals("New API Key", refused.doc().selectFirst("h1").text());

        Page unknown = browser.submit(browser.get("/keys/new"), "/keys", Map.of("name", "Typo", "webhook_url",
                "https://hooks.no-such-host.invalid/x", "accounts", Long.toString(admin.id())));
        assertEquals(200, unknown.status(), "a host not found now is checked at delivery: " + unknown.body());
        assertEquals(1, bots());

        Page created = browser.submit(browser.get("/keys/new"), "/keys", Map.of("name", "Plain Key",
                "accounts", Long.toString(admin.id())));
        assertEquals(200, created.status(), created.body());
        long id = Fixtures.count("SELECT max(id) FROM users WHERE is_bot");

        Page edit = browser.get("/keys/" + id + "/edit");
        Page modified = browser.submit(edit, "/keys/" + id + "/edit", Map.of("webhook_url", "http://localhost:9000/x"));
        assertEquals(400, modified.status());
        assertTrue(fieldError(modified, "key-webhook").contains(INTERNAL));
        assertEquals("Modify API Key", modified.doc().selectFirst("h1").text());
        assertNull(payloadUrl(id), "the key has no webhook still");
    }

    // ---------------------------------------------------------------- the API

    @Test
    void theBotsApiRefusesInternalHostsWithA400AndAcceptsOnesNotFoundYet() {
        String url = base + "/api/v1/bots";
        for (var entry : Map.of("http://127.0.0.1/hook", INTERNAL, "http://[::ffff:10.0.0.1]/hook", INTERNAL).entrySet()) {
            Http.Response r = Http.postForm(url, Map.of("full_name", "Api Hook", "short_name", "apihook",
                    "bot_type", "3", "payload_url", json(entry.getKey())), auth);
            assertEquals(400, r.status(), r.body());
            assertEquals("BAD_REQUEST", r.json().get("code").asText());
            assertTrue(r.json().get("msg").asText().contains(entry.getValue()), entry.getKey() + ": " + r.body());
        }
        assertEquals(0, bots());

        Http.Response created = Http.postForm(url, Map.of("full_name", "Api Hook", "short_name", "apihook",
                "bot_type", "3", "payload_url", json("https://93.184.216.34/hook")), auth);
        assertEquals(200, created.status(), created.body());
        long id = created.json().get("user_id").asLong();

        Http.Response patched = Http.raw("PATCH", url + "/" + id, "application/x-www-form-urlencoded",
                Http.urlencode(Map.of("service_payload_url", "\"http://169.254.169.254/\"")).getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", auth));
        assertEquals(400, patched.status(), patched.body());
        assertTrue(patched.json().get("msg").asText().contains(INTERNAL), patched.body());
        assertEquals("https://93.184.216.34/hook", payloadUrl(id));

        // Zulip's test_bots create outgoing webhook bots for https://example.com/…: creatable here
        // whether the resolver answers (a public address) or not (checked again at delivery).
        Http.Response example = Http.postForm(url, Map.of("full_name", "Example Hook", "short_name", "example",
                "bot_type", "3", "payload_url", json("https://example.com/bots/hook")), auth);
        assertEquals(200, example.status(), example.body());
        Http.Response unknown = Http.postForm(url, Map.of("full_name", "Later Hook", "short_name", "later",
                "bot_type", "3", "payload_url", json("https://no-such-host.invalid/hook")), auth);
        assertEquals(200, unknown.status(), unknown.body());
        assertEquals("https://no-such-host.invalid/hook", payloadUrl(unknown.json().get("user_id").asLong()));
    }

    @Test
    void withTheSwitchOnInternalAddressesAreAcceptedAndNothingIsLookedUp() {
        Http.Response created = Http.postForm(keydesk.baseUrl() + "/api/v1/bots", Map.of("full_name", "Local Hook",
                "short_name", "local", "bot_type", "3", "payload_url", json("http://127.0.0.1:9/hook")), auth);
        assertEquals(200, created.status(), created.body());
        Http.Response unresolvable = Http.postForm(keydesk.baseUrl() + "/api/v1/bots", Map.of("full_name", "Far Hook",
                "short_name", "far", "bot_type", "3", "payload_url", json("https://only-inside.invalid/hook")), auth);
        assertEquals(200, unresolvable.status(), "a name that resolves only on the receiver's network: " + unresolvable.body());
    }

    private static String payloadUrl(long botId) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT payload_url FROM bot_services WHERE bot_id = :id").bind("id", botId)
                .mapTo(String.class).findOne().orElse(null));
    }

    /** Zulip's clients send payload_url JSON-encoded, with its quotes. */
    private static String json(String text) {
        return "\"" + text + "\"";
    }
}
