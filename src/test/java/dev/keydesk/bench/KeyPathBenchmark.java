package dev.keydesk.bench;

import dev.keydesk.audit.Actor;
import dev.keydesk.db.Database;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures Keydesk's speed budgets (listed in the README) against a real server and database on
 * this machine: the authenticated API path (cached and uncached, with SQL statements per request,
 * side by side with Keydesk's cheapest route, a 404),
 * fetch_api_key (one argon2 verification), how fast another process refuses a regenerated key,
 * and the Account & privacy page. Run it as described in the README; it prints a table.
 * Not a test: timings depend on the machine, so nothing here passes or fails.
 */
public final class KeyPathBenchmark {
    private static final int REQUESTS = 3_000;
    private static final int THREADS = 4;

    public static void main(String[] args) throws Exception {
        TestKeydesk keydesk = TestKeydesk.get();
        keydesk.reset();
        User user = Fixtures.user("bench@zulip.com", "Bench Admin", dev.keydesk.user.Role.ADMIN);
        String key = Fixtures.keyOf(user);
        String auth = Http.basic("bench@zulip.com", key);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        String missing = keydesk.baseUrl() + "/api/v1/no-such-endpoint";
        Database database = keydesk.primary().database();

        for (int i = 0; i < 500; i++) {  // warm up the JIT and the pool
            Http.get(me, auth);
            Http.get(missing, null);
        }

        long statements = database.statementsRun();
        Stats notFound = timeSequential(REQUESTS, () -> expect(404, Http.get(missing, null)));
        report("GET /api/v1/<unknown> (404, cheapest)", notFound, database.statementsRun() - statements, REQUESTS);

        statements = database.statementsRun();
        Stats cached = timeSequential(REQUESTS, () -> expect(200, Http.get(me, auth)));
        report("GET /users/me, key cached", cached, database.statementsRun() - statements, REQUESTS);
        System.out.printf("%-42s %8.2f (p50 of the 404 route / p50 of users/me)%n", "  ratio to the 404 route",
                notFound.percentile(50) / cached.percentile(50));

        statements = database.statementsRun();
        Stats uncached = timeSequential(REQUESTS / 3, () -> {
            keydesk.primary().services().keyCache().forgetAll();
            expect(200, Http.get(me, auth));
        });
        report("GET /users/me, key not cached", uncached, database.statementsRun() - statements, REQUESTS / 3);

        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < REQUESTS / THREADS; i++) expect(200, Http.get(me, auth));
            }));
        }
        for (Future<?> f : futures) f.get();
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%-42s %8.0f requests/s with %d client threads%n", "GET /users/me throughput",
                REQUESTS / seconds, THREADS);

        String fetchUrl = keydesk.baseUrl() + "/api/v1/fetch_api_key";
        Stats fetch = timeSequential(4, () -> expect(200, Http.postForm(fetchUrl,
                Http.form("username", "bench@zulip.com", "password", Fixtures.PASSWORD), null)));
        report("POST /fetch_api_key (argon2id)", fetch, -1, 4);

        Stats propagation = new Stats();
        String otherMe = keydesk.secondaryUrl() + "/api/v1/users/me";
        for (int round = 0; round < 20; round++) {
            String current = Fixtures.keyOf(user);
            String currentAuth = Http.basic("bench@zulip.com", current);
            expect(200, Http.get(otherMe, currentAuth)); // cached in the other process
            keydesk.primary().services().apiKeys().regenerateKey(Actor.commandLine(), user.id());
            long t0 = System.nanoTime();
            while (Http.get(otherMe, currentAuth).status() != 401) {
                if (System.nanoTime() - t0 > 5_000_000_000L) throw new IllegalStateException("never refused");
            }
            propagation.add(System.nanoTime() - t0);
        }
        report("old key refused by another process after", propagation, -1, 20);

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("bench@zulip.com", Fixtures.PASSWORD);
        for (int i = 0; i < 50; i++) browser.get("/account");
        Stats page = timeSequential(300, () -> expect(200, browser.fetchStatus("/account")));
        report("GET /account (page)", page, -1, 300);

        for (int i = 0; i < 1000; i++) {
            keydesk.primary().services().bots().createBot(Actor.commandLine(), user, new dev.keydesk.bot.BotActions.NewBot(
                    "Bench bot " + i, "bench" + i, dev.keydesk.bot.BotType.GENERIC, null,
                    dev.keydesk.bot.BotInterface.ZULIP, null, java.util.List.of()));
        }
        for (int i = 0; i < 20; i++) browser.get("/bots");
        Stats bots = timeSequential(50, () -> expect(200, browser.fetchStatus("/bots")));
        report("GET /bots listing 1,000 bots", bots, -1, 50);
        Stats keys = timeSequential(50, () -> expect(200, browser.fetchStatus("/keys")));
        report("GET /keys (first page of 1,000)", keys, -1, 50);
        Stats search = timeSequential(50, () -> expect(200, browser.fetchStatus("/keys?q=bot+99")));
        report("GET /keys?q=… (search in 1,000)", search, -1, 50);

        System.out.println("\nBudgets: API path = 1 digest + at most 1 indexed lookup (0 when cached); "
                + "regenerated key refused everywhere within 100 ms; pages well under 50 ms.");
        System.exit(0);
    }

    private static void expect(int status, Http.Response response) {
        expect(status, response.status());
    }

    private static void expect(int status, int actual) {
        if (actual != status) throw new IllegalStateException("expected " + status + " but got " + actual);
    }

    private static Stats timeSequential(int n, Runnable call) {
        Stats stats = new Stats();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            stats.add(System.nanoTime() - t0);
        }
        return stats;
    }

    private static void report(String what, Stats stats, long lookups, int requests) {
        String perRequest = lookups < 0 ? "" : String.format("  SQL statements/request %.3f", (double) lookups / requests);
        System.out.printf("%-42s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms%s%n", what,
                stats.percentile(50), stats.percentile(99), stats.percentile(100), perRequest);
    }

    private static final class Stats {
        private final List<Long> nanos = new ArrayList<>();

        void add(long n) {
            nanos.add(n);
        }

        double percentile(int p) {
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
            return sorted.get(Math.max(0, index)) / 1e6;
        }
    }

    private KeyPathBenchmark() {}
}
