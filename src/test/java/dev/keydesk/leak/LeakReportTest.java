package dev.keydesk.leak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.StderrCapture;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The public report endpoint end to end, on both test servers: live keys of each kind are
 * replaced, their owners e-mailed (SMTP test server) and a bot's webhook told with a signed
 * key.leaked; the answer is the same for live, dead and made-up keys; the rate limit per
 * address holds across the two processes; bad input is a clear 400.
 */
@IntegrationTest
class LeakReportTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FOUND_URL = "https://github.com/example/infra/blob/main/deploy/zuliprc";
    private static final String FOUND_SOURCE = "GitHub secret scanning";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private HttpServer receiver;
    private final List<Map<String, String>> webhookCalls = new CopyOnWriteArrayList<>();
    private User member;

    @BeforeEach
    void setUp() throws Exception {
        keydesk.reset();
        member = Fixtures.member("cordelia@zulip.com");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            try (exchange) {
                Map<String, String> call = new TreeMap<>();
                call.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                call.put("event", exchange.getRequestHeaders().getFirst("X-Keydesk-Event"));
                call.put("signature", exchange.getRequestHeaders().getFirst("X-Keydesk-Signature"));
                webhookCalls.add(call);
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            // A sender may hold an item it claimed before the next test's reset and send it after:
            // every item is settled here, so no e-mail or call of this test lands in the next one.
            awaitDelivered();
        } finally {
            receiver.stop(0);
        }
    }

    private BotActions.Created hookBot() {
        return Fixtures.webhookBot(member, "Deploy Hook", "deploy", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    }

    private static Http.Response reportJson(String baseUrl, Map<String, Object> body) throws Exception {
        return Http.raw("POST", baseUrl + "/api/v1/keys/report", "application/json",
                JSON.writeValueAsBytes(body), Map.of());
    }

    private Http.Response report(Object... keys) throws Exception {
        return reportJson(keydesk.baseUrl(), Map.of("keys", List.of(keys), "url", FOUND_URL, "source", FOUND_SOURCE));
    }

    private int usersMe(String email, String key) {
        return Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(email, key)).status();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("Timed out waiting: " + what);
            Thread.sleep(25);
        }
    }

    private static void awaitReportsHandled() throws InterruptedException {
        await("every queued report handled", () -> Fixtures.count(
                "SELECT count(*) FROM outbox WHERE kind = 'leak_report' AND delivered_at IS NULL") == 0);
    }

    private static String hmacHex(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyKindOfCurrentKeyIsReplacedAndItsOwnersAndWebhookAreTold() throws Exception {
        BotActions.Created bot = hookBot();
        String botKey = bot.apiKey();
        String botToken = Fixtures.botCredentials(bot.bot()).token();
        String mainKey = Fixtures.keyOf(member);
        assertEquals(200, Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key", Http.form("username",
                member.email(), "password", Fixtures.PASSWORD, "client", "ZulipMobile"), null).status());
        User goneril = Fixtures.member("goneril@zulip.com");
        String retired = Fixtures.keyOf(goneril);
        Fixtures.regenerateKey(goneril);
        String gonerilNow = Fixtures.keyOf(goneril);
        await("the setup's e-mails sent", () -> keydesk.mail().getReceivedMessages().length == 1);
        keydesk.mail().purgeEmailFromAllMailboxes();

        Http.Response r = report(mainKey, botKey, retired, ApiKeyFormat.generate(), "not a key at all");
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"result\":\"success\",\"msg\":\"\"}", r.body());

        await("the main key refused", () -> usersMe(member.email(), mainKey) == 401);
        await("the bot key refused", () -> usersMe(bot.bot().email(), botKey) == 401);
        awaitReportsHandled();
        assertEquals(200, usersMe(member.email(), Fixtures.keyOf(member)), "the member's new key works");
        assertEquals(200, usersMe(bot.bot().email(), Fixtures.keyOf(bot.bot().id())), "the bot's new key works");
        assertEquals(200, usersMe(goneril.email(), gonerilNow), "reporting an old key touches no current one");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + member.id()),
                "the member's devices were logged out");

        await("two e-mails", () -> keydesk.mail().getReceivedMessages().length == 2);
        MimeMessage[] mails = keydesk.mail().getReceivedMessages();
        Map<String, String> bySubject = new TreeMap<>();
        for (MimeMessage mail : mails) {
            assertEquals(member.email(), Mails.recipient(mail));
            bySubject.put(Mails.subject(mail), Mails.body(mail));
        }
        assertEquals(Set.of("Your API key was reported as leaked and has been replaced",
                "The API key of Deploy Hook was reported as leaked and has been replaced"), bySubject.keySet());
        for (String body : bySubject.values()) {
            assertTrue(body.contains(FOUND_URL) && body.contains(FOUND_SOURCE), body);
            assertFalse(body.contains(mainKey) || body.contains(botKey), "no key in an e-mail");
        }

        await("the webhook call", () -> !webhookCalls.isEmpty());
        awaitDelivered();
        assertEquals(1, webhookCalls.size(), "one call, key.leaked only: " + webhookCalls);
        Map<String, String> call = webhookCalls.get(0);
        assertEquals("key.leaked", call.get("event"));
        JsonNode body = JSON.readTree(call.get("body"));
        assertEquals(Set.of("event", "bot_id", "bot_email", "occurred_at", "found_url", "found_source"),
                iterableToSet(body.fieldNames()));
        assertEquals("key.leaked", body.get("event").asText());
        assertEquals(bot.bot().id(), body.get("bot_id").asLong());
        assertEquals(FOUND_URL, body.get("found_url").asText());
        Matcher signature = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(call.get("signature"));
        assertTrue(signature.matches(), call.get("signature"));
        assertEquals(signature.group(2), hmacHex(botToken, signature.group(1) + "." + call.get("body")));

        assertEquals(List.of("bot", "main", "not_current"), keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT details ->> 'kind' FROM audit_log WHERE event_type = 'api_key_leak_reported'
                        ORDER BY details ->> 'kind'""").mapTo(String.class).list()));
        String everything = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT coalesce((SELECT string_agg(details::text, ' ') FROM audit_log), '')
                               || (SELECT string_agg(payload::text, ' ') FROM outbox)""").mapTo(String.class).one());
        for (String key : List.of(mainKey, botKey, retired)) {
            assertFalse(everything.contains(key), "no key in the audit log or the outbox");
        }
    }

    private static Set<String> iterableToSet(java.util.Iterator<String> names) {
        Set<String> set = new java.util.TreeSet<>();
        names.forEachRemaining(set::add);
        return set;
    }

    private static void awaitDelivered() throws InterruptedException {
        await("the outbox is empty", () -> Fixtures.count(
                "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL") == 0);
    }

    /** Everything about an answer but its Date header, which only says when it was sent. */
    private static String answer(Http.Response r) {
        String headers = r.headers().map().entrySet().stream()
                .filter(e -> !e.getKey().equalsIgnoreCase("date"))
                .map(e -> e.getKey().toLowerCase() + ": " + e.getValue())
                .sorted().collect(Collectors.joining("\n"));
        return r.status() + "\n" + headers + "\n\n" + r.body();
    }

    @Test
    void theAnswerIsTheSameForLiveDeadAndMadeUpKeys() throws Exception {
        BotActions.Created bot = hookBot();
        String liveBot = bot.apiKey();
        String dead = Fixtures.keyOf(member);
        Fixtures.regenerateKey(member);
        String current = Fixtures.keyOf(member);

        List<String> answers = new ArrayList<>();
        for (String key : List.of(current, dead, ApiKeyFormat.generate(), "A".repeat(32), liveBot)) {
            answers.add(answer(report(key)));
        }
        for (String key : List.of(ApiKeyFormat.generate(), Fixtures.keyOf(Fixtures.bot(member, "Other Hook", "other").bot().id()))) {
            answers.add(answer(Http.postForm(keydesk.baseUrl() + "/api/v1/keys/report", Http.form("keys", key), null)));
        }
        String json = answers.get(0);
        assertTrue(json.startsWith("200\n"), json);
        for (int i = 1; i < 5; i++) assertEquals(json, answers.get(i), "answer " + i);
        assertEquals(answers.get(5), answers.get(6), "form-encoded reports answer alike too");
        awaitReportsHandled();
        assertEquals(401, usersMe(member.email(), current), "the live key was revoked all the same");
        assertEquals(401, usersMe(bot.bot().email(), liveBot));
    }

    @Test
    void theRateLimitPerAddressHoldsAcrossTwoProcesses() throws Exception {
        int limit = LeakReportRoutes.LIMIT.requests();
        for (int i = 0; i < limit; i++) {
            String base = i % 2 == 0 ? keydesk.baseUrl() : keydesk.secondaryUrl();
            Http.Response r = reportJson(base, Map.of("keys", List.of(ApiKeyFormat.generate())));
            assertEquals(200, r.status(), "report " + (i + 1) + ": " + r.body());
        }
        for (String base : List.of(keydesk.baseUrl(), keydesk.secondaryUrl())) {
            Http.Response refused = reportJson(base, Map.of("keys", List.of(Fixtures.keyOf(member))));
            assertEquals(429, refused.status(), refused.body());
            assertEquals("RATE_LIMIT_HIT", refused.json().get("code").asText());
            long retryAfter = Long.parseLong(refused.header("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= LeakReportRoutes.LIMIT.window().toSeconds(), "" + retryAfter);
        }
        awaitReportsHandled();
        assertEquals(200, usersMe(member.email(), Fixtures.keyOf(member)));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_leak_reported'"),
                "the refused reports were not acted on");
    }

    @Test
    void parallelReportsOfOneKeyOnBothServersReplaceItOnce() throws Exception {
        BotActions.Created bot = hookBot();
        String key = bot.apiKey();
        int reports = 10;
        ExecutorService pool = Executors.newFixedThreadPool(reports);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < reports; i++) {
                String base = i % 2 == 0 ? keydesk.baseUrl() : keydesk.secondaryUrl();
                Callable<Integer> call = () -> {
                    start.await();
                    return reportJson(base, Map.of("keys", List.of(key))).status();
                };
                answers.add(pool.submit(call));
            }
            start.countDown();
            for (Future<Integer> answer : answers) assertEquals(200, answer.get());
        } finally {
            pool.shutdown();
        }
        awaitReportsHandled();
        awaitDelivered();
        assertEquals(2, Fixtures.count("SELECT count(*) FROM api_keys WHERE user_id = " + bot.bot().id()),
                "the first key and exactly one replacement");
        List<String> outcomes = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT (details ->> 'kind') || ': ' || (details ->> 'outcome') FROM audit_log
                        WHERE event_type = 'api_key_leak_reported' ORDER BY id""").mapTo(String.class).list());
        assertEquals("bot: replaced", outcomes.get(0));
        assertEquals(java.util.Collections.nCopies(reports - 1, "not_current: none: not a current key"),
                outcomes.subList(1, outcomes.size()));
        assertEquals(1, webhookCalls.size(), "one key.leaked call: " + webhookCalls);
        assertEquals(1, keydesk.mail().getReceivedMessages().length, "one e-mail to the one owner");
    }

    @Test
    void formReportsTakeRepeatedFieldsOrAJsonArrayAndNoKeyIsLogged() throws Exception {
        BotActions.Created bot = hookBot();
        String mainKey = Fixtures.keyOf(member);
        String url = keydesk.baseUrl() + "/api/v1/keys/report";
        try (StderrCapture log = new StderrCapture()) {
            Http.Response repeated = Http.raw("POST", url, "application/x-www-form-urlencoded",
                    ("keys=" + mainKey + "&keys=" + ApiKeyFormat.generate() + "&source=chat").getBytes(StandardCharsets.UTF_8),
                    Map.of());
            assertEquals(200, repeated.status(), repeated.body());
            Http.Response array = Http.postMultipart(url, Map.of("keys", JSON.writeValueAsString(List.of(bot.apiKey())),
                    "url", FOUND_URL), null);
            assertEquals(200, array.status(), array.body());
            awaitReportsHandled();
            assertEquals(401, usersMe(member.email(), mainKey));
            assertEquals(401, usersMe(bot.bot().email(), bot.apiKey()));
            assertFalse(log.text().contains(mainKey) || log.text().contains(bot.apiKey()), "no key in the log");
        }
    }

    @Test
    void badReportsAreClearFourHundreds() throws Exception {
        String url = keydesk.baseUrl() + "/api/v1/keys/report";
        Map<String, Map<String, Object>> bodies = Map.of(
                "no keys", Map.of("url", FOUND_URL),
                "too many", Map.of("keys", java.util.Collections.nCopies(101, ApiKeyFormat.generate())),
                "none", Map.of("keys", List.of()),
                "not strings", Map.of("keys", List.of(1, 2)),
                "javascript url", Map.of("keys", List.of("x"), "url", "javascript:alert(1)"),
                "control characters", Map.of("keys", List.of("x"), "source", "line\nbreak"));
        for (var e : bodies.entrySet()) {
            Http.Response r = reportJson(keydesk.baseUrl(), e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r.body());
        }
        Http.Response notJson = Http.raw("POST", url, "application/json", "{\"keys\": [".getBytes(StandardCharsets.UTF_8), Map.of());
        assertEquals(400, notJson.status(), notJson.body());
        Http.Response inUrl = Http.postForm(url + "?keys=" + ApiKeyFormat.generate(), Map.of(), null);
        assertEquals(400, inUrl.status(), inUrl.body());
        assertTrue(inUrl.json().get("msg").asText().contains("not in the URL"), inUrl.body());
        Http.Response missing = Http.postForm(url, Map.of(), null);
        assertEquals("REQUEST_VARIABLE_MISSING", missing.json().get("code").asText(), missing.body());
        Http.Response crossSite = Http.postForm(url, Http.form("keys", ApiKeyFormat.generate()), null,
                Map.of("Origin", "https://evil.example"));
        assertEquals(403, crossSite.status(), "a browser's cross-site post is refused as on every API endpoint");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'leak_report'"), "nothing was queued");
    }
}
