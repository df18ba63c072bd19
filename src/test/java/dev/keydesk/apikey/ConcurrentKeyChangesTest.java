package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import java.time.Duration;
import dev.keydesk.support.Wait;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key and account changes happen exactly once when many requests race, on one process and
 * across two sharing the database: the winner is decided inside the transaction, and a change
 * that changes nothing writes no audit row and queues no webhook notice.
 */
@IntegrationTest
class ConcurrentKeyChangesTest {
    private static final int RACERS = 100;
    /** Nothing listens on port 9: the notices stay queued, which is all these tests count. */
    private static final String NOWHERE = "http://127.0.0.1:9/hook";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User hamlet;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
    }

    @Test
    void oneKeyRegeneratesItselfOnceHoweverManyRequestsRace() throws Exception {
        String oldKey = Fixtures.keyOf(hamlet);
        List<Http.Response> answers = regenerateInParallel("hamlet@zulip.com", oldKey);

        List<Http.Response> won = answers.stream().filter(r -> r.status() == 200).toList();
        assertEquals(1, won.size(), "exactly one request wins");
        assertEquals(RACERS - 1, answers.stream().filter(r -> r.status() == 401).count(), "every other one is refused");
        String newKey = won.get(0).json().get("api_key").asText();
        assertEquals(newKey, Fixtures.keyOf(hamlet), "the winner's key is the account's key");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_changed' AND target_user_id = "
                + hamlet.id() + " AND details->>'initial' = 'false'"), "one audit row");
        assertEquals(401, Http.get(keydesk.secondaryUrl() + "/api/v1/users/me",
                Http.basic("hamlet@zulip.com", oldKey)).status(), "the old key is refused by the other process");
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me",
                Http.basic("hamlet@zulip.com", newKey)).status());
    }

    /** The same race with a device's key (fetch_api_key's): one success, the device and the main key stop. */
    @Test
    void oneDeviceKeyRegeneratesTheAccountsKeyOnceHoweverManyRequestsRace() throws Exception {
        String mainKey = Fixtures.keyOf(hamlet);
        Http.Response fetched = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "hamlet@zulip.com", "password", Fixtures.PASSWORD), null);
        assertEquals(200, fetched.status(), fetched.body());
        String phone = fetched.json().get("api_key").asText();
        List<Http.Response> answers = regenerateInParallel("hamlet@zulip.com", phone);

        List<Http.Response> won = answers.stream().filter(r -> r.status() == 200).toList();
        assertEquals(1, won.size(), "exactly one request wins");
        assertEquals(RACERS - 1, answers.stream().filter(r -> r.status() == 401).count(), "every other one is refused");
        String newKey = won.get(0).json().get("api_key").asText();
        assertEquals(newKey, Fixtures.keyOf(hamlet), "the winner's key is the account's key");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_changed' AND target_user_id = "
                + hamlet.id() + " AND details->>'initial' = 'false'"), "one audit row");
        for (String old : List.of(mainKey, phone)) {
            Wait.until("the other process to refuse an old key", Duration.ofSeconds(10), () -> Http.get(
                    keydesk.secondaryUrl() + "/api/v1/users/me", Http.basic("hamlet@zulip.com", old)).status() == 401);
        }
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me",
                Http.basic("hamlet@zulip.com", newKey)).status());
    }

    @Test
    void aBotsOwnKeyRegeneratesOnceAndItsWebhookHearsOnce() throws Exception {
        BotActions.Created bot = Fixtures.webhookBot(hamlet, "Deploy Hook", "deploy", NOWHERE);
        String email = bot.bot().email();
        List<Http.Response> answers = regenerateInParallel(email, bot.apiKey());

        assertEquals(1, answers.stream().filter(r -> r.status() == 200).count(), "exactly one request wins");
        assertEquals(RACERS - 1, answers.stream().filter(r -> r.status() == 401).count());
        assertEquals(1, outboxEvents(bot.bot().id(), "key.regenerated"), "one webhook notice");
    }

    @Test
    void parallelBlocksAndUnblocksOfOneKeyEachHappenOnce() throws Exception {
        BotActions.Created bot = Fixtures.webhookBot(hamlet, "Deploy Hook", "deploy", NOWHERE);
        long id = bot.bot().id();
        Session admin = signIn();

        List<Answer> blocks = inParallel(50, () -> admin.post(id, "block"));
        assertEquals(List.of("BLOCKED"), blocks.stream().map(Answer::outcome).distinct().toList(),
                "each request ends on the Keys page with the result of a block: " + blocks);
        assertEquals(1, blocks.stream().filter(a -> a.changed(id)).count(), "exactly one request blocks the key: " + blocks);
        assertEquals(1, auditEvents(id, "bot_deactivated"));
        assertEquals(1, outboxEvents(id, "key.blocked"));

        List<Answer> unblocks = inParallel(50, () -> admin.post(id, "unblock"));
        assertEquals(List.of("UNBLOCKED"), unblocks.stream().map(Answer::outcome).distinct().toList(), unblocks.toString());
        assertEquals(1, unblocks.stream().filter(a -> a.changed(id)).count(), "exactly one request unblocks it: " + unblocks);
        assertEquals(1, auditEvents(id, "bot_reactivated"));
        assertEquals(1, outboxEvents(id, "key.unblocked"));
    }

    @Test
    void aMixedRaceOfBlocksAndUnblocksRecordsOnlyRealChanges() throws Exception {
        BotActions.Created bot = Fixtures.webhookBot(hamlet, "Deploy Hook", "deploy", NOWHERE);
        long id = bot.bot().id();
        Session admin = signIn();

        List<Callable<Answer>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String action = i % 2 == 0 ? "block" : "unblock";
            calls.add(() -> admin.post(id, action));
        }
        List<Answer> answers = inParallel(calls);
        for (int i = 0; i < answers.size(); i++) {
            assertEquals(i % 2 == 0 ? "BLOCKED" : "UNBLOCKED", answers.get(i).outcome(), "request " + i + ": " + answers.get(i));
        }

        // The key starts unblocked, so the first block to run changes it: there is at least one real change,
        // and the states alternate from there (blocked, unblocked, blocked, …), never two alike in a row.
        List<String> sequence = Fixtures.auditEvents(id).stream()
                .filter(e -> e.equals("bot_deactivated") || e.equals("bot_reactivated")).toList();
        assertFalse(sequence.isEmpty(), "no block happened");
        assertEquals("bot_deactivated", sequence.get(0), sequence.toString());
        for (int i = 1; i < sequence.size(); i++) {
            assertNotEquals(sequence.get(i - 1), sequence.get(i), "no repeated change in " + sequence);
        }
        long blocked = auditEvents(id, "bot_deactivated");
        long unblocked = auditEvents(id, "bot_reactivated");
        // Each answer tells whether its own request changed the key: exactly the audited changes did.
        assertEquals(blocked, answers.stream().filter(a -> a.outcome().equals("BLOCKED") && a.changed(id)).count(), answers.toString());
        assertEquals(unblocked, answers.stream().filter(a -> a.outcome().equals("UNBLOCKED") && a.changed(id)).count(),
                answers.toString());
        assertEquals(blocked, outboxEvents(id, "key.blocked"), "one notice per real block");
        assertEquals(unblocked, outboxEvents(id, "key.unblocked"), "one notice per real unblock");
        // The last real change is the state the key is left in.
        boolean active = Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + id) == 1;
        assertEquals(sequence.get(sequence.size() - 1).equals("bot_reactivated"), active, sequence.toString());
    }

    /** An administrator's signed-in session, for posting the Keys page's forms without following the redirect. */
    private Session signIn() {
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(admin.get("/keys"));
        return new Session(keydesk.baseUrl(), "keydesk_session=" + admin.cookie("keydesk_session"), csrf);
    }

    private record Session(String base, String cookie, String csrf) {
        Answer post(long id, String action) {
            Http.Response r = Http.postForm(base + "/keys/" + id + "/" + action,
                    Map.of("csrf_token", csrf, "confirmed", "yes"), null, Map.of("Cookie", cookie));
            return Answer.of(r);
        }
    }

    /**
     * One request's answer: a redirect back to the Keys page, carrying the result the page will show
     * (the action and the keys this request changed, none when the key already was in that state).
     */
    private record Answer(int status, String location, String outcome, List<Long> changedIds) {
        static Answer of(Http.Response r) {
            String location = r.headers().firstValue("Location").orElse("");
            String cookie = r.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("keydesk_keys_result=")).findFirst().orElse(null);
            assertEquals(303, r.status(), "a redirect back to the Keys page: " + r.status() + " " + r.body());
            assertTrue(location.equals("/keys") || location.startsWith("/keys?"), location);
            assertNotNull(cookie, "the result for the Keys page: " + r.headers().map());
            String value = cookie.substring("keydesk_keys_result=".length()).split(";", 2)[0];
            String[] lines = new String(Base64.getUrlDecoder().decode(value.substring(0, value.indexOf('.'))),
                    StandardCharsets.UTF_8).split("\n");
            List<Long> ids = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) ids.add(Long.parseLong(lines[i].substring(0, lines[i].indexOf('\t'))));
            return new Answer(r.status(), location, lines[0], ids);
        }

        boolean changed(long id) {
            return changedIds.contains(id);
        }
    }

    /** Half of the requests go to each of the two processes. */
    private List<Http.Response> regenerateInParallel(String email, String key) throws Exception {
        String auth = Http.basic(email, key);
        List<Callable<Http.Response>> calls = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            String base = i % 2 == 0 ? keydesk.baseUrl() : keydesk.secondaryUrl();
            calls.add(() -> Http.postForm(base + "/api/v1/users/me/api_key/regenerate", Map.of(), auth));
        }
        return inParallel(calls);
    }

    private static <T> List<T> inParallel(int n, Callable<T> call) throws Exception {
        List<Callable<T>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) calls.add(call);
        return inParallel(calls);
    }

    /** Starts every call at the same moment, on as many threads as there are calls. */
    private static <T> List<T> inParallel(List<Callable<T>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> call : calls) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(60, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long auditEvents(long targetId, String event) {
        return Fixtures.count("SELECT count(*) FROM audit_log WHERE target_user_id = " + targetId
                + " AND event_type = '" + event + "'");
    }

    private static long outboxEvents(long botId, String event) {
        return Fixtures.count("SELECT count(*) FROM outbox WHERE bot_id = " + botId + " AND event = '" + event + "'");
    }
}
