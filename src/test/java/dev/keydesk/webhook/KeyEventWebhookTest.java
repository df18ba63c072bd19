package dev.keydesk.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.Keydesk;
import dev.keydesk.Services;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.config.Settings;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.outbox.Backoff;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Jdbi;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-event webhooks end to end: a real HTTP receiver on this machine hears of regenerated,
 * blocked, unblocked and deleted keys, with a signature it can check on its own; failed calls are
 * retried and logged on the bot's page; internal addresses are refused unless allowed.
 */
@IntegrationTest
class KeyEventWebhookTest {
    /** A correctness deadline, not a speed budget: what should happen within seconds gets half a minute. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private User owner;
    private String ownerAuth;

    @TempDir
    Path separateDataDir;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        owner = Fixtures.member("cordelia@zulip.com");
        ownerAuth = Http.basic("cordelia@zulip.com", Fixtures.keyOf(owner));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
        toClose.clear();
    }

    private Receiver receiver(int... statuses) throws IOException {
        Receiver receiver = new Receiver(statuses);
        toClose.add(receiver);
        return receiver;
    }

    // ---------------------------------------------------------------- the four events, signed

    @Test
    void eachKeyEventArrivesInOrderSignedWithTheBotsToken() throws Exception {
        Receiver receiver = receiver(200);
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        String token = Fixtures.botCredentials(created.bot()).token();
        assertNotNull(token, "an outgoing webhook bot has a token");
        String firstKey = created.apiKey();

        // Creating the bot issues its first key: that is no event (notices are queued in the same transaction).
        assertEquals(0, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'webhook'"), "no notice for the first key");

        Http.Response regenerated = Http.postForm(keydesk.baseUrl() + "/api/v1/bots/" + botId + "/api_key/regenerate",
                Map.of(), ownerAuth);
        assertEquals(200, regenerated.status(), regenerated.body());
        String newKey = regenerated.json().get("api_key").asText();
        assertNotEquals(firstKey, newKey);
        receiver.awaitCount(1);

        Fixtures.deactivateBot(botId);
        receiver.awaitCount(2);
        Fixtures.reactivateBot(botId);
        receiver.awaitCount(3);
        Fixtures.deleteBot(botId);
        receiver.awaitCount(4);

        await("all four notices are marked delivered",
                () -> rows(botId).size() == 4 && rows(botId).stream().allMatch(r -> r.deliveredAt() != null));
        List<OutboxRow> rows = rows(botId);
        List<Receiver.Request> requests = receiver.requests();
        assertEquals(4, requests.size(), "one call per event, none repeated");

        List<String> expected = List.of("key.regenerated", "key.blocked", "key.unblocked", "key.deleted");
        Set<String> deliveryIds = new TreeSet<>();
        for (int i = 0; i < expected.size(); i++) {
            Receiver.Request request = requests.get(i);
            String event = expected.get(i);
            assertEquals("POST", request.method());
            assertEquals("/hook", request.path());
            assertEquals(event, request.header("X-Keydesk-Event"), "X-Keydesk-Event of call " + (i + 1));
            assertTrue(request.header("Content-Type").startsWith("application/json"), request.header("Content-Type"));

            JsonNode body = JSON.readTree(request.body());
            assertEquals(event.equals("key.regenerated")
                            ? Set.of("event", "bot_id", "bot_email", "occurred_at", "old_key_works_until")
                            : Set.of("event", "bot_id", "bot_email", "occurred_at"), fieldNames(body), request.bodyText());
            assertEquals(event, body.get("event").asText());
            assertEquals(botId, body.get("bot_id").asLong());
            assertEquals(created.bot().email(), body.get("bot_email").asText());
            Instant occurred = Instant.parse(body.get("occurred_at").asText());
            assertWithinAMinuteOfNow(occurred, "occurred_at");

            String text = request.bodyText();
            assertFalse(text.contains(firstKey), "the old key is not in the body: " + text);
            assertFalse(text.contains(newKey), "the new key is not in the body: " + text);
            assertFalse(text.contains(token), "the token is not in the body: " + text);

            assertSignedWith(token, request);

            String deliveryId = request.header("X-Keydesk-Delivery");
            assertNotNull(deliveryId, "X-Keydesk-Delivery");
            deliveryIds.add(deliveryId);
            assertEquals(Long.toString(rows.get(i).id()), deliveryId, "the delivery id names the outbox row");
            assertEquals(event, rows.get(i).event());
            assertEquals(1, rows.get(i).attempts());
        }
        assertEquals(4, deliveryIds.size(), "each notice has its own delivery id");
    }

    @Test
    void aSignatureMadeWithAnotherTokenOrBodyDoesNotVerify() throws Exception {
        Receiver receiver = receiver(200);
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        BotActions.Created other = Fixtures.webhookBot(owner, "Other Hook", "other", receiver.url("/other"));
        String otherToken = Fixtures.botCredentials(other.bot()).token();
        Fixtures.regenerateBotKey(created.bot().id());
        receiver.awaitCount(1);

        Receiver.Request request = receiver.requests().get(0);
        Matcher m = signature(request);
        String token = Fixtures.botCredentials(created.bot()).token();
        assertNotEquals(token, otherToken, "each bot has its own token");
        assertNotEquals(m.group(2), hmacHex(otherToken, (m.group(1) + ".").getBytes(StandardCharsets.UTF_8), request.body()));
        byte[] tampered = request.bodyText().replace("key.regenerated", "key.deleted").getBytes(StandardCharsets.UTF_8);
        assertNotEquals(m.group(2), hmacHex(token, (m.group(1) + ".").getBytes(StandardCharsets.UTF_8), tampered));
        long earlier = Long.parseLong(m.group(1)) - 600;
        assertNotEquals(m.group(2), hmacHex(token, (earlier + ".").getBytes(StandardCharsets.UTF_8), request.body()),
                "the timestamp is part of what is signed");
    }

    @Test
    void theKeyRegeneratedOnTheBotPageOrByTheBotItselfIsAnnouncedToo() throws Exception {
        Receiver receiver = receiver(200);
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        String token = Fixtures.botCredentials(created.bot()).token();

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        WebClient.Page details = browser.get("/bots/" + botId);
        WebClient.Page after = browser.submit(details, "/bots/" + botId + "/api-key/regenerate", Map.of("confirmed", "yes"));
        assertEquals(200, after.status(), after.body());
        String pageKey = after.doc().selectFirst("#bot-api-key").attr("value");
        assertNotEquals(created.apiKey(), pageKey);
        receiver.awaitCount(1);

        Http.Response own = Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                Http.basic(created.bot().email(), pageKey));
        assertEquals(200, own.status(), own.body());
        String ownKey = own.json().get("api_key").asText();
        receiver.awaitCount(2);

        for (Receiver.Request request : receiver.requests()) {
            assertEquals("key.regenerated", request.header("X-Keydesk-Event"));
            assertFalse(request.bodyText().contains(pageKey), request.bodyText());
            assertFalse(request.bodyText().contains(ownKey), request.bodyText());
            assertSignedWith(token, request);
        }
    }

    @Test
    void botsWithoutAWebhookUrlQueueNothing() throws Exception {
        BotActions.Created generic = Fixtures.bot(owner, "Plain Bot", "plain");
        long botId = generic.bot().id();
        Fixtures.regenerateBotKey(botId);
        Fixtures.deactivateBot(botId);
        Fixtures.reactivateBot(botId);
        Fixtures.deleteBot(botId);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'webhook'"));
    }

    // ---------------------------------------------------------------- retries

    @Test
    void failedCallsAreRetriedWithTheSameDeliveryIdUntilOneSucceeds() throws Exception {
        Receiver receiver = receiver(500, 500, 200);
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        String token = Fixtures.botCredentials(created.bot()).token();
        Fixtures.regenerateBotKey(botId);

        await("the notice is delivered", () -> !rows(botId).isEmpty() && rows(botId).get(0).deliveredAt() != null);
        OutboxRow row = rows(botId).get(0);
        assertEquals(3, row.attempts());
        assertEquals(8, row.maxAttempts());
        assertNull(row.failedAt());
        assertNull(row.lastError(), "a delivered notice keeps no error");

        List<Receiver.Request> requests = receiver.requests();
        assertEquals(3, requests.size(), "two failures and one success: " + requests);
        assertEquals(List.of(500, 500, 200), requests.stream().map(Receiver.Request::status).toList());
        assertEquals(1, requests.stream().filter(r -> r.status() / 100 == 2).count(), "exactly one success");
        for (Receiver.Request request : requests) {
            assertEquals(Long.toString(row.id()), request.header("X-Keydesk-Delivery"), "the same id on every try");
            assertEquals("key.regenerated", request.header("X-Keydesk-Event"));
            assertEquals(requests.get(0).bodyText(), request.bodyText(), "the same body on every try");
            assertSignedWith(token, request);
        }

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        WebClient.Page page = browser.get("/bots/" + botId);
        assertEquals(200, page.status(), page.body());
        Element delivery = deliveryRow(page, "key.regenerated");
        assertTrue(delivery.text().contains("Delivered"), delivery.text());
        assertTrue(delivery.text().contains("3 of 8"), delivery.text());
    }

    @Test
    void aReceiverThatAlwaysFailsIsRetriedUntilTheAttemptsRunOut() throws Exception {
        Receiver receiver = receiver(503);
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        Fixtures.deactivateBot(botId);

        // After two failures the notice waits for its next try, and the page says so. The sender may
        // have made more attempts by the time the row is read; whichever it made last, the next one is
        // scheduled its backoff after that attempt's call (the row is not leased, so none is under way).
        await("two failed attempts", () -> {
            List<OutboxRow> rows = rows(botId);
            return !rows.isEmpty() && rows.get(0).attempts() >= 2 && rows.get(0).leasedUntil() == null;
        });
        OutboxRow afterTwo = rows(botId).get(0);
        Receiver.Request lastCall = receiver.requests().get(afterTwo.attempts() - 1);
        Duration scheduled = Duration.between(lastCall.at(), afterTwo.nextAttemptAt());
        assertTrue(scheduled.compareTo(TestKeydesk.TUNING.backoff().after(afterTwo.attempts())) >= 0,
                "the next try waits its backoff after attempt " + afterTwo.attempts() + ": " + scheduled);
        assertNull(afterTwo.failedAt());
        assertNull(afterTwo.deliveredAt());
        assertTrue(afterTwo.lastError().contains("HTTP 503"), afterTwo.lastError());

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        Element retrying = deliveryRow(browser.get("/bots/" + botId), "key.blocked");
        assertTrue(retrying.text().contains("Retrying"), retrying.text());
        assertTrue(retrying.text().contains("of 8"), retrying.text());
        assertTrue(retrying.text().contains("HTTP 503"), retrying.text());

        // The remaining waits (the whole schedule is checked below) are skipped by making the
        // notice due at once, so the sender's own counting decides when it gives up.
        Jdbi jdbi = keydesk.primary().database().jdbi();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (rows(botId).get(0).failedAt() == null) {
            assertTrue(Instant.now().isBefore(deadline), "the attempts did not run out: " + rows(botId));
            jdbi.useHandle(h -> h.createUpdate("""
                            UPDATE outbox SET next_attempt_at = now()
                            WHERE bot_id = :bot AND failed_at IS NULL AND delivered_at IS NULL AND leased_until IS NULL""")
                    .bind("bot", botId).execute());
            keydesk.primary().services().outboxSender().wake();
            Thread.sleep(20);
        }
        OutboxRow failed = rows(botId).get(0);
        assertEquals(8, failed.attempts());
        assertNull(failed.deliveredAt());
        assertTrue(failed.lastError().contains("HTTP 503"), failed.lastError());
        // A later notice of the same bot reaches the receiver; the given-up one is not tried again meanwhile.
        Fixtures.reactivateBot(botId);
        await("the next notice's first call", () -> receiver.requests().stream()
                .anyMatch(r -> "key.unblocked".equals(r.header("X-Keydesk-Event"))));
        List<Receiver.Request> calls = receiver.requests().stream()
                .filter(r -> r.header("X-Keydesk-Delivery").equals(Long.toString(failed.id()))).toList();
        assertEquals(8, calls.size(), "one call per attempt, none after giving up: " + receiver.requests());
        assertEquals(8, rows(botId).get(0).attempts(), "no attempt after giving up");

        Element given = deliveryRow(browser.get("/bots/" + botId), "key.blocked");
        assertTrue(given.text().contains("Failed"), given.text());
        assertTrue(given.text().contains("8 of 8"), given.text());
        assertFalse(given.text().contains("next try"), given.text());
    }

    @Test
    void theStandardScheduleMakesAtLeastFiveAttemptsOverAnHour() {
        // The attempts a webhook notice is given, as queued (nothing listens on port 9).
        long botId = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", "http://127.0.0.1:9/hook").bot().id();
        Fixtures.deactivateBot(botId);
        int attempts = rows(botId).get(0).maxAttempts();
        assertEquals(8, attempts, "as the bot page shows (\"n of 8\")");
        Backoff standard = Backoff.standard();
        Duration span = Duration.ZERO;
        Duration previous = Duration.ZERO;
        for (int failed = 1; failed < attempts; failed++) {
            Duration wait = standard.after(failed);
            assertTrue(wait.compareTo(previous) >= 0, "waits never shrink: " + wait + " after " + previous);
            previous = wait;
            span = span.plus(wait);
        }
        assertTrue(span.compareTo(Duration.ofHours(1)) >= 0, "the attempts span " + span);
        assertEquals(Duration.ofSeconds(10), standard.after(1));
        assertEquals(Duration.ofSeconds(6760), span, "10 s + 30 s + 2 min + 5 min + 15 min + 30 min + 1 h");
        assertEquals(Duration.ofMillis(100), TestKeydesk.TUNING.backoff().after(1), "tests run the schedule 100x faster");
    }

    @Test
    void aSlowReceiverTimesOutAndIsTriedAgain() throws Exception {
        Receiver receiver = receiver(200);
        receiver.holdFirst(); // never answered while the test runs: only giving up on it lets the notice through
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        String token = Fixtures.botCredentials(created.bot()).token();
        Fixtures.regenerateBotKey(botId);

        await("a retry after the time-out", () -> !rows(botId).isEmpty() && rows(botId).get(0).deliveredAt() != null);
        OutboxRow row = rows(botId).get(0);
        assertEquals(2, row.attempts(), "the call that timed out, then the one that succeeded: " + row);
        assertNull(row.failedAt());
        assertNull(row.lastError(), "a delivered notice keeps no error");
        List<Receiver.Request> requests = receiver.requests();
        assertEquals(2, requests.size(), requests.toString());
        for (Receiver.Request request : requests) {
            assertEquals(Long.toString(row.id()), request.header("X-Keydesk-Delivery"), "the same id on every try");
            assertEquals("key.regenerated", request.header("X-Keydesk-Event"));
            assertSignedWith(token, request);
        }
        assertEquals(requests.get(0).bodyText(), requests.get(1).bodyText(), "the same body on every try");
    }

    @Test
    void aReceiverThatTricklesItsAnswerIsNotWaitedForLong() throws Exception {
        Receiver receiver = receiver(200);
        receiver.trickleAnswers(); // a byte a second for as long as the test runs
        BotActions.Created created = Fixtures.webhookBot(owner, "Deploy Hook", "deploy", receiver.url("/hook"));
        long botId = created.bot().id();
        String token = Fixtures.botCredentials(created.bot()).token();
        Fixtures.regenerateBotKey(botId);

        // The status line came at once and says 200: that is the delivery. The body never ends, so
        // the notice is marked delivered only if the sender did not wait for it.
        await("the notice is delivered", () -> !rows(botId).isEmpty() && rows(botId).get(0).deliveredAt() != null);
        OutboxRow row = rows(botId).get(0);
        assertEquals(1, row.attempts(), row.toString());
        assertNull(row.lastError(), row.toString());
        receiver.awaitCount(1);
        assertEquals(Long.toString(row.id()), receiver.requests().get(0).header("X-Keydesk-Delivery"));
        assertSignedWith(token, receiver.requests().get(0));
    }

    // ---------------------------------------------------------------- internal addresses

    @Test
    void internalAddressesAreRefusedWithoutTheSwitch() throws Exception {
        Receiver receiver = receiver(200);
        Map<String, String> env = Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR", separateDataDir.toString());
        Keydesk separate = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
        toClose.add(separate);
        Services services = separate.services();
        assertFalse(services.settings().webhooksAllowPrivate(), "the switch is off by default");
        User cordelia = services.organizations().createUserFromCommandLine("Test Org", "cordelia@zulip.com",
                "Cordelia", Role.OWNER, Fixtures.PASSWORD).user();

        Map<String, List<String>> targets = Map.of(
                receiver.url("/hook"), List.of("127.0.0.1"),
                "http://localhost:" + receiver.port() + "/", List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1"),
                "http://169.254.169.254/latest/meta-data/", List.of("169.254.169.254"));
        Map<Long, String> bots = new TreeMap<>();
        int n = 0;
        for (String url : targets.keySet()) {
            n++;
            // Such URLs are refused when entered (WebhookUrlEntryTest); a name can still come to
            // resolve to an internal address later, which the stored URL stands for here.
            assertThrows(InvalidInputException.class, () -> Fixtures.newBot("Refused").shortName("refused").webhook(url)
                    .on(separate).createdBy(cordelia));
            BotActions.Created bot = Fixtures.newBot("Hook " + n).shortName("hook" + n).webhook("https://93.184.216.34/hook")
                    .on(separate).createdBy(cordelia);
            separate.database().jdbi().useHandle(h -> h.createUpdate("UPDATE bot_services SET payload_url = :url WHERE bot_id = :bot")
                    .bind("url", url).bind("bot", bot.bot().id()).execute());
            bots.put(bot.bot().id(), url);
            services.bots().regenerateKey(Actor.commandLine(), bot.bot().id());
        }

        for (var bot : bots.entrySet()) {
            long botId = bot.getKey();
            String url = bot.getValue();
            await("the call to " + url + " is given up", () -> {
                List<OutboxRow> rows = rows(separate.database().jdbi(), botId);
                return !rows.isEmpty() && rows.get(0).failedAt() != null;
            });
            OutboxRow row = rows(separate.database().jdbi(), botId).get(0);
            assertEquals(1, row.attempts(), "a refused address is not retried: " + row);
            assertTrue(row.lastError().startsWith("refused:"), row.lastError());
            assertTrue(row.lastError().contains("internal address"), row.lastError());
            // Bot owners read this log: it must not tell them how internal names resolve.
            assertTrue(targets.get(url).stream().noneMatch(row.lastError()::contains), row.lastError());
        }
        // Each attempt above ended (its outcome is recorded) before its row was marked failed, and a call
        // is answered before its attempt ends: had any reached the receiver, it would be counted by now.
        assertEquals(0, receiver.requests().size(), "nothing reached the receiver: " + receiver.requests());

        WebClient browser = new WebClient("http://localhost:" + separate.port());
        browser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        Element row = deliveryRow(browser.get("/bots/" + bots.keySet().iterator().next()), "key.regenerated");
        assertTrue(row.text().contains("Failed"), row.text());
        assertTrue(row.text().contains("internal address"), row.text());
    }

    @Test
    void targetsRefuseInternalLiteralsAndPassPublicOnes() {
        WebhookTargets guard = new WebhookTargets(false);
        for (String host : List.of("127.0.0.1", "127.8.9.10", "10.1.2.3", "192.168.0.1", "172.16.5.4", "172.31.255.254",
                "169.254.169.254", "0.0.0.0", "100.64.0.1", "100.127.255.254", "224.0.0.1", "[::1]", "[::]",
                "[fd00::1]", "[fc00::1]", "[fe80::1]", "[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
                "[64:ff9b::a9fe:a9fe]", "[2002:a00:1::]", "198.18.0.1")) {
            URI uri = URI.create("http://" + host + ":8080/hook");
            DeliveryFailure refused = assertThrows(DeliveryFailure.class, () -> guard.check(uri), host + " is refused");
            assertTrue(refused.permanent(), host + ": a refused address is not retried");
            assertTrue(refused.getMessage().contains("internal address"), refused.getMessage());
        }
        for (String host : List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1",
                "[2606:4700:4700::1111]")) {
            guard.check(URI.create("https://" + host + "/hook")); // passes, no DNS needed for literals
        }
        for (String url : List.of("ftp://93.184.216.34/hook", "file:///etc/passwd", "gopher://93.184.216.34/")) {
            DeliveryFailure refused = assertThrows(DeliveryFailure.class, () -> guard.check(URI.create(url)), url);
            assertTrue(refused.permanent());
            assertTrue(refused.getMessage().contains("not an http(s) URL"), refused.getMessage());
        }

        WebhookTargets allowing = new WebhookTargets(true);
        allowing.check(URI.create("http://127.0.0.1:8080/hook"));
        allowing.check(URI.create("http://169.254.169.254/latest/meta-data/"));
        assertThrows(DeliveryFailure.class, () -> allowing.check(URI.create("ftp://127.0.0.1/")),
                "the switch allows addresses, not other schemes");
    }

    // ---------------------------------------------------------------- redirects

    @Test
    void aRedirectIsNeverFollowedItIsAFailedAttemptWithItsLocationInTheLog() throws Exception {
        Receiver elsewhere = receiver(200);
        Map<Integer, Long> botsByStatus = new TreeMap<>();
        for (int status : new int[] {302, 307}) {
            Receiver redirecting = receiver(200);
            redirecting.redirect("/hook", elsewhere.url("/caught-" + status), status);
            BotActions.Created created = Fixtures.webhookBot(owner, "Hook " + status, "hook" + status,
                    redirecting.url("/hook"));
            botsByStatus.put(status, created.bot().id());
            Fixtures.regenerateBotKey(created.bot().id());
        }

        for (var entry : botsByStatus.entrySet()) {
            int status = entry.getKey();
            long botId = entry.getValue();
            // Retried like any other failed answer: the attempts keep coming, each one redirected.
            await("a retry after the " + status, () -> !rows(botId).isEmpty() && rows(botId).get(0).attempts() >= 2
                    && rows(botId).get(0).leasedUntil() == null);
            OutboxRow row = rows(botId).get(0);
            assertNull(row.deliveredAt(), "a redirect is not a delivery: " + row);
            assertTrue(row.lastError().contains("HTTP " + status), row.lastError());
            assertTrue(row.lastError().contains(elsewhere.url("/caught-" + status)), "the Location: " + row.lastError());

            WebClient browser = new WebClient(keydesk.baseUrl());
            browser.login("cordelia@zulip.com", Fixtures.PASSWORD);
            Element delivery = deliveryRow(browser.get("/bots/" + botId), "key.regenerated");
            assertTrue(delivery.text().contains("Retrying"), delivery.text());
            assertTrue(delivery.text().contains("HTTP " + status), delivery.text());
            assertTrue(delivery.text().contains(elsewhere.url("/caught-" + status)), delivery.text());
        }
        assertEquals(List.of(), elsewhere.requests(), "the redirects' target heard nothing");
    }

    // ---------------------------------------------------------------- helpers

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
        return names;
    }

    private static Matcher signature(Receiver.Request request) {
        String header = request.header("X-Keydesk-Signature");
        assertNotNull(header, "X-Keydesk-Signature");
        Matcher m = SIGNATURE.matcher(header);
        assertTrue(m.matches(), "t=<unix>,v1=<hex>: " + header);
        return m;
    }

    /** Checks the signature the way a receiver would, with nothing but the token and the raw request. */
    private static void assertSignedWith(String token, Receiver.Request request) {
        Matcher m = signature(request);
        long t = Long.parseLong(m.group(1));
        assertWithinAMinuteOfNow(Instant.ofEpochSecond(t), "the signature's timestamp");
        String expected = hmacHex(token, (m.group(1) + ".").getBytes(StandardCharsets.UTF_8), request.body());
        assertTrue(MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                m.group(2).getBytes(StandardCharsets.US_ASCII)), "signature of " + request.bodyText());
    }

    private static String hmacHex(String key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(prefix);
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertWithinAMinuteOfNow(Instant when, String what) {
        Duration off = Duration.between(when, Instant.now()).abs();
        assertTrue(off.compareTo(Duration.ofMinutes(1)) <= 0, what + " is " + when + ", " + off + " from now");
    }

    private static Element deliveryRow(WebClient.Page page, String event) {
        assertEquals(200, page.status(), page.body());
        Element section = page.doc().selectFirst("section#deliveries");
        assertNotNull(section, "no Webhook deliveries section:\n" + page.body());
        assertNotNull(section.selectFirst("h2:containsOwn(Webhook deliveries)"));
        for (Element row : section.select("table.deliveries tbody tr")) {
            if (row.child(0).text().equals(event)) return row;
        }
        throw new AssertionError("No delivery of " + event + " in:\n" + section.outerHtml());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, WAIT, condition);
    }

    private static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("Timed out waiting: " + what);
            Thread.sleep(25);
        }
    }

    record OutboxRow(long id, String event, int attempts, int maxAttempts, Instant deliveredAt, Instant failedAt,
                     Instant nextAttemptAt, boolean nextAttemptInFuture, Instant leasedUntil, String lastError) {}

    private List<OutboxRow> rows(long botId) {
        return rows(keydesk.primary().database().jdbi(), botId);
    }

    private static List<OutboxRow> rows(Jdbi jdbi, long botId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, event, attempts, max_attempts, delivered_at, failed_at, next_attempt_at,
                               next_attempt_at > now() AS next_in_future, leased_until, last_error
                        FROM outbox WHERE kind = 'webhook' AND bot_id = :bot ORDER BY id""")
                .bind("bot", botId)
                .map((rs, ctx) -> new OutboxRow(rs.getLong("id"), rs.getString("event"), rs.getInt("attempts"),
                        rs.getInt("max_attempts"), instant(rs.getObject("delivered_at", OffsetDateTime.class)),
                        instant(rs.getObject("failed_at", OffsetDateTime.class)),
                        instant(rs.getObject("next_attempt_at", OffsetDateTime.class)), rs.getBoolean("next_in_future"),
                        instant(rs.getObject("leased_until", OffsetDateTime.class)), rs.getString("last_error")))
                .list());
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** A webhook receiver on 127.0.0.1 that records every request and answers with a set sequence of statuses. */
    static final class Receiver implements AutoCloseable {
        record Redirect(int status, String location) {}

        /** {@code at}: when the request had arrived in full. */
        record Request(String method, String path, Map<String, String> headers, byte[] body, int status, Instant at) {
            String header(String name) {
                return headers.get(name);
            }

            String bodyText() {
                return new String(body, StandardCharsets.UTF_8);
            }

            @Override
            public String toString() {
                return method + " " + path + " -> " + status + " " + headers + " " + bodyText();
            }
        }

        private final HttpServer server;
        private final ExecutorService executor = Executors.newCachedThreadPool();
        private final List<Request> requests = new CopyOnWriteArrayList<>();
        private final int[] statuses;
        private final AtomicInteger answered = new AtomicInteger();
        private final Map<String, Redirect> redirects = new ConcurrentHashMap<>();
        private final CountDownLatch closed = new CountDownLatch(1);
        private volatile boolean holdFirst;
        private volatile boolean trickle;

        Receiver(int... statuses) throws IOException {
            this.statuses = statuses.length == 0 ? new int[] {200} : statuses.clone();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String url(String path) {
            return "http://127.0.0.1:" + port() + path;
        }

        /** Answers requests for {@code path} with {@code status} (a redirect) to {@code location}. */
        void redirect(String path, String location, int status) {
            redirects.put(path, new Redirect(status, location));
        }

        /** Never answers the first request: holds it until the receiver is closed. */
        void holdFirst() {
            holdFirst = true;
        }

        /** Sends the status line at once, then the body a byte a second until the receiver is closed. */
        void trickleAnswers() {
            trickle = true;
        }

        List<Request> requests() {
            return List.copyOf(requests);
        }

        void awaitCount(int count) throws InterruptedException {
            await(count + " request(s) at the receiver", () -> requests.size() >= count);
            assertEquals(count, requests.size(), "requests: " + requests);
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
                String path = exchange.getRequestURI().getPath();
                int index = answered.getAndIncrement();
                Redirect redirect = redirects.get(path);
                int status = redirect != null ? redirect.status() : statuses[Math.min(index, statuses.length - 1)];
                requests.add(new Request(exchange.getRequestMethod(), path, headers, body, status, Instant.now()));
                if (index == 0 && holdFirst) {
                    try {
                        closed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                if (redirect != null) exchange.getResponseHeaders().add("Location", redirect.location());
                if (trickle) {
                    exchange.sendResponseHeaders(status, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        while (!closed.await(1, TimeUnit.SECONDS)) {
                            out.write('.');
                            out.flush();
                        }
                    } catch (IOException e) {
                        // the caller hung up: what it was meant to show
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                byte[] answer = ("answered " + status).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }

        @Override
        public void close() {
            closed.countDown();
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
