package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.ArrayList;
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

    @Test
    void aBotsOwnKeyRegeneratesOnceAndItsWebhookHearsOnce() throws Exception {
        BotActions.Created bot = webhookBot("Deploy Hook", "deploy");
        String email = bot.bot().email();
        List<Http.Response> answers = regenerateInParallel(email, bot.apiKey());

        assertEquals(1, answers.stream().filter(r -> r.status() == 200).count(), "exactly one request wins");
        assertEquals(RACERS - 1, answers.stream().filter(r -> r.status() == 401).count());
        assertEquals(1, outboxEvents(bot.bot().id(), "key.regenerated"), "one webhook notice");
    }

    @Test
    void parallelBlocksAndUnblocksOfOneKeyEachHappenOnce() throws Exception {
        BotActions.Created bot = webhookBot("Deploy Hook", "deploy");
        long id = bot.bot().id();
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(admin.get("/keys"));

        List<Integer> blocks = inParallel(50, () -> admin.post("/keys/" + id + "/block",
                Map.of("csrf_token", csrf, "confirmed", "yes")).status());
        assertEquals(50, blocks.stream().filter(s -> s == 200).count(), "each request ends on the Keys page");
        assertEquals(1, auditEvents(id, "bot_deactivated"));
        assertEquals(1, outboxEvents(id, "key.blocked"));

        List<Integer> unblocks = inParallel(50, () -> admin.post("/keys/" + id + "/unblock",
                Map.of("csrf_token", csrf)).status());
        assertEquals(50, unblocks.stream().filter(s -> s == 200).count());
        assertEquals(1, auditEvents(id, "bot_reactivated"));
        assertEquals(1, outboxEvents(id, "key.unblocked"));
    }

    @Test
    void aMixedRaceOfBlocksAndUnblocksRecordsOnlyRealChanges() throws Exception {
        BotActions.Created bot = webhookBot("Deploy Hook", "deploy");
        long id = bot.bot().id();
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(admin.get("/keys"));

        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String action = i % 2 == 0 ? "block" : "unblock";
            calls.add(() -> admin.post("/keys/" + id + "/" + action, Map.of("csrf_token", csrf, "confirmed", "yes")).status());
        }
        inParallel(calls);

        long blocked = auditEvents(id, "bot_deactivated");
        long unblocked = auditEvents(id, "bot_reactivated");
        // The states alternate, so the real changes are blocked, unblocked, blocked, …: never two alike in a row.
        List<String> sequence = Fixtures.auditEvents(id).stream()
                .filter(e -> e.equals("bot_deactivated") || e.equals("bot_reactivated")).toList();
        for (int i = 1; i < sequence.size(); i++) {
            assertEquals(false, sequence.get(i).equals(sequence.get(i - 1)), "no repeated change in " + sequence);
        }
        assertEquals(blocked, outboxEvents(id, "key.blocked"), "one notice per real block");
        assertEquals(unblocked, outboxEvents(id, "key.unblocked"), "one notice per real unblock");
    }

    private BotActions.Created webhookBot(String name, String shortName) {
        // Nothing listens on port 9: the notices stay queued, which is all these tests count.
        return keydesk.primary().services().bots().createBot(Actor.commandLine(), hamlet, new BotActions.NewBot(name,
                shortName, BotType.OUTGOING_WEBHOOK, "http://127.0.0.1:9/hook", BotInterface.ZULIP, null, List.of()));
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
