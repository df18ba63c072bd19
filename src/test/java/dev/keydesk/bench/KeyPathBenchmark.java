package dev.keydesk.bench;

import dev.keydesk.Keydesk;
import dev.keydesk.audit.Actor;
import dev.keydesk.config.Settings;
import dev.keydesk.metrics.Metrics;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.PostgresControl;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures Keydesk's speed budgets (listed in docs/benchmark.md) against a real server and database on
 * this machine: the authenticated API path (cached and uncached, with SQL statements per request,
 * side by side with Keydesk's cheapest route, a 404),
 * fetch_api_key (one argon2 verification), how fast another process refuses a regenerated key,
 * the Account & privacy page, and a database outage (how soon the answers say so, how soon they
 * are normal again). Run it as docs/benchmark.md describes; it prints a table.
 * Not a test: timings depend on the machine, so nothing here passes or fails.
 */
public final class KeyPathBenchmark {
    private static final int REQUESTS = 3_000;
    private static final int THREADS = 4;
    /** Back-to-back rounds with and without counting key uses, for the median of their ratios (odd, so it is one pair's). */
    private static final int COUNTING_PAIRS = 15;

    public static void main(String[] args) throws Exception {
        // One log line per request would cost more than the fast routes themselves.
        System.setProperty("org.slf4j.simpleLogger.log.keydesk.requests", "warn");
        if (List.of(args).equals(List.of("outage"))) { // that part alone: it needs no shared servers
            databaseOutage();
            System.exit(0);
        }
        TestKeydesk keydesk = TestKeydesk.get();
        keydesk.reset();
        User user = Fixtures.user("bench@zulip.com", "Bench Admin", dev.keydesk.user.Role.ADMIN);
        String key = Fixtures.keyOf(user);
        String auth = Http.basic("bench@zulip.com", key);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        String missing = keydesk.baseUrl() + "/api/v1/no-such-endpoint";
        if (List.of(args).equals(List.of("limits"))) { // the rate limits' part alone, in about two minutes
            rateLimits(keydesk, user);
            System.exit(0);
        }

        for (int i = 0; i < 500; i++) {  // warm up the JIT and the pool
            Http.get(me, auth);
            Http.get(missing, null);
        }
        if (List.of(args).equals(List.of("forward-auth"))) { // that part alone
            forwardAuth(keydesk, user, key, missing);
            System.exit(0);
        }

        Metrics metrics = keydesk.primary().services().metrics();
        Stats notFound = timeSequential(REQUESTS, () -> expect(404, Http.get(missing, null)));
        report("GET /api/v1/<unknown> (404, cheapest)", notFound, -1, REQUESTS);

        var meStatements = metrics.requestStatements("/api/v1/users/me", "GET");
        double before = meStatements.totalAmount();
        long counted = meStatements.count();
        Stats cached = timeSequential(REQUESTS, () -> expect(200, Http.get(me, auth)));
        Thread.sleep(200); // the request log records its meters just after each answer
        report("GET /users/me, key cached", cached, statementsPer(meStatements, before, counted), 1);
        System.out.printf("%-42s %8.2f (p50 of the 404 route / p50 of users/me)%n", "  ratio to the 404 route",
                notFound.percentile(50) / cached.percentile(50));

        before = meStatements.totalAmount();
        counted = meStatements.count();
        Stats uncached = timeSequential(REQUESTS / 3, () -> {
            keydesk.primary().services().keyCache().forgetAll();
            expect(200, Http.get(me, auth));
        });
        Thread.sleep(200);
        report("GET /users/me, key not cached", uncached, statementsPer(meStatements, before, counted), 1);

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
            Fixtures.regenerateKey(user);
            long t0 = System.nanoTime();
            while (Http.get(otherMe, currentAuth).status() != 401) {
                if (System.nanoTime() - t0 > 5_000_000_000L) throw new IllegalStateException("never refused");
            }
            propagation.add(System.nanoTime() - t0);
        }
        report("old key refused by another process after", propagation, -1, 20);

        forwardAuth(keydesk, user, key, missing);

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("bench@zulip.com", Fixtures.PASSWORD);
        for (int i = 0; i < 50; i++) browser.get("/account");
        Stats page = timeSequential(300, () -> expect(200, browser.fetchStatus("/account")));
        report("GET /account (page)", page, -1, 300);

        for (int i = 0; i < 1000; i++) {
            Fixtures.bot(user, "Bench bot " + i, "bench" + i);
        }
        // As autovacuum would soon after 51,000 new accounts: the planner's statistics, which the
        // searches' plans depend on, include them.
        keydesk.primary().database().jdbi().useHandle(h -> h.execute("ANALYZE"));
        for (int i = 0; i < 20; i++) browser.get("/bots");
        Stats bots = timeSequential(50, () -> expect(200, browser.fetchStatus("/bots")));
        report("GET /bots listing 1,000 bots", bots, -1, 50);
        Stats keys = timeSequential(50, () -> expect(200, browser.fetchStatus("/keys")));
        report("GET /keys (first page of 1,000)", keys, -1, 50);
        Stats search = timeSequential(50, () -> expect(200, browser.fetchStatus("/keys?q=bot+99")));
        report("GET /keys?q=… (search in 1,000)", search, -1, 50);

        databaseOutage();

        System.out.println("\nBudgets: API path = 1 digest + at most 1 indexed lookup (0 when cached); "
                + "regenerated key refused everywhere within 100 ms; pages well under 50 ms.");
        System.exit(0);
    }

    /**
     * The forward-auth path side by side with the 404 route: a cached key, a well-formed unknown
     * key, and how fast a second process refuses a replaced key with 50,000 keys in its cache.
     */
    private static void forwardAuth(TestKeydesk keydesk, User user, String userKey, String missing) throws Exception {
        System.out.println();
        String token = Fixtures.service("Bench", dev.keydesk.guard.Access.EVERYONE).token();
        String forwardAuth = keydesk.baseUrl() + "/forward-auth";
        String knownKey = Fixtures.keyOf(user);
        // A key limited to some methods and paths of the service, to some addresses, with metadata,
        // asked about the way the nginx recipe asks: the checks run on what the cache holds.
        dev.keydesk.bot.BotActions.Created scopedBot = keydesk.primary().services().bots().createBot(Actor.commandLine(), user,
                new dev.keydesk.bot.BotActions.NewBot("Scoped bench bot", "scopedbench", dev.keydesk.bot.BotType.GENERIC, null,
                        dev.keydesk.bot.BotInterface.ZULIP, null, java.util.List.of()));
        long benchServiceId = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT id FROM guarded_services WHERE name = 'Bench'").mapTo(Long.class).one());
        keydesk.primary().services().keyRestrictions().setForAccount(Actor.commandLine(), scopedBot.bot().id(),
                new dev.keydesk.keyscope.KeyRestrictions.Limits(
                        dev.keydesk.keyscope.KeyScope.of(java.util.Map.of(benchServiceId, java.util.List.of(
                                dev.keydesk.keyscope.ScopeRule.parse("POST /upload"), dev.keydesk.keyscope.ScopeRule.parse("* /metrics"),
                                dev.keydesk.keyscope.ScopeRule.parse("GET /api/**")))),
                        dev.keydesk.keyscope.AddressRanges.parse("10.0.0.0/8, 127.0.0.0/8, ::1"),
                        dev.keydesk.keyscope.KeyMetadata.parse("team: payments\ntenant: 42")));
        String scopedKey = scopedBot.apiKey();
        String unknownKey = dev.keydesk.apikey.ApiKeyFormat.generate();
        Runnable notFound = () -> expect(404, Http.get(missing, null));
        Runnable cached = () -> expect(200, ask(forwardAuth, token, knownKey));
        Runnable unknown = () -> expect(401, ask(forwardAuth, token, unknownKey));
        Runnable scoped = () -> expect(200, Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(forwardAuth))
                .header("X-Keydesk-Service-Token", token).header("X-Api-Key", scopedKey)
                .header("X-Original-Method", "GET").header("X-Original-URI", "/api/dashboards/1/../2?from=now").GET().build()));
        // The same question to a process of its own that counts no key use: what counting costs.
        dev.keydesk.Keydesk notCounting = keydesk.startSeparate(java.util.Map.of(), TestKeydesk.TUNING.withoutKeyUseCounting());
        String uncountedForwardAuth = "http://localhost:" + notCounting.port() + "/forward-auth";
        Runnable uncounted = () -> expect(200, ask(uncountedForwardAuth, token, knownKey));
        for (int i = 0; i < 2000; i++) {
            notFound.run();
            cached.run();
            unknown.run();
            scoped.run();
            uncounted.run();
        }
        var statements = keydesk.primary().services().metrics().requestStatements("/forward-auth", "GET");
        // Three interleaved rounds, so drift on a shared machine hits all three alike.
        double[] rate404 = new double[3], rateCached = new double[3], rateUnknown = new double[3], rateScoped = new double[3];
        double[] rateUncounted = new double[3];
        double before = statements.totalAmount();
        long counted = statements.count();
        for (int round = 0; round < 3; round++) {
            rate404[round] = throughput(notFound);
            rateCached[round] = throughput(cached);
            rateUnknown[round] = throughput(unknown);
            rateScoped[round] = throughput(scoped);
            rateUncounted[round] = throughput(uncounted);
        }
        // Counting's cost is a few percent at most, less than the machine's drift between rounds
        // seconds apart: so the two are also measured in pairs of back-to-back rounds (which of the
        // two goes first alternates), and the median of the pairs' ratios is the figure.
        double[] pairRatios = new double[COUNTING_PAIRS];
        for (int pair = 0; pair < COUNTING_PAIRS; pair++) {
            double counting, notCountingRate;
            if (pair % 2 == 0) {
                counting = throughput(cached);
                notCountingRate = throughput(uncounted);
            } else {
                notCountingRate = throughput(uncounted);
                counting = throughput(cached);
            }
            pairRatios[pair] = counting / notCountingRate;
        }
        Arrays.sort(pairRatios);
        notCounting.close();
        Thread.sleep(200); // the request log records its meters just after each answer
        double perRequest = statementsPer(statements, before, counted);
        double best404 = max(rate404);
        System.out.printf("%-42s %8.0f requests/s (best of 3, %d client threads)%n", "GET /api/v1/<unknown> (404)", best404, THREADS);
        System.out.printf("%-42s %8.0f requests/s  ratio to 404 %.2f%n", "GET /forward-auth, key cached", max(rateCached),
                max(rateCached) / best404);
        System.out.printf("%-42s %8.0f requests/s  ratio to 404 %.2f%n", "GET /forward-auth, unknown well-formed key",
                max(rateUnknown), max(rateUnknown) / best404);
        System.out.printf("%-42s %8.0f requests/s  ratio to 404 %.2f, to the unscoped key %.2f%n",
                "GET /forward-auth, scoped key cached", max(rateScoped), max(rateScoped) / best404, max(rateScoped) / max(rateCached));
        System.out.printf("%-42s %8.0f requests/s  counted key uses / uncounted %.2f (best rounds); %.3f (median of %d back-to-back pairs, from %.3f to %.3f)%n",
                "GET /forward-auth, key cached, no counting", max(rateUncounted), max(rateCached) / max(rateUncounted),
                pairRatios[COUNTING_PAIRS / 2], COUNTING_PAIRS, pairRatios[0], pairRatios[COUNTING_PAIRS - 1]);
        System.out.printf("%-42s %8.3f%n", "  SQL statements per forward-auth request", perRequest);

        Stats halfLoadNotFound = timeAtRate(best404 / 2, notFound);
        Stats halfLoadCached = timeAtRate(best404 / 2, cached);
        report("404 at half of its peak rate", halfLoadNotFound, -1, 0);
        report("forward-auth at the same rate", halfLoadCached, -1, 0);

        int cachedKeys = 50_000;
        List<String> keys = seedBotKeys(keydesk, cachedKeys);
        var other = keydesk.secondary().services().authenticator();
        long t0 = System.nanoTime();
        for (String k : keys) other.authenticate(k, "127.0.0.1");
        System.out.printf("%-42s %8d keys in %.1f s%n", "second process's cache filled with", keydesk.secondary().services()
                .keyCache().size(), (System.nanoTime() - t0) / 1e9);
        String otherForwardAuth = keydesk.secondaryUrl() + "/forward-auth";
        Stats revocation = new Stats();
        for (int round = 0; round < 50; round++) {
            String current = Fixtures.keyOf(user);
            expect(200, ask(otherForwardAuth, token, current));
            Fixtures.regenerateKey(user);
            long start = System.nanoTime();
            while (ask(otherForwardAuth, token, current).status() != 401) {
                if (System.nanoTime() - start > 5_000_000_000L) throw new IllegalStateException("never refused");
            }
            revocation.add(System.nanoTime() - start);
        }
        report("replaced key refused by the other process", revocation, -1, 50);

        rateLimits(keydesk, user);
    }

    /**
     * Forward-auth with a per-key limit beside the same without one (the limit high enough never to
     * refuse), and the limit held across processes: two Keydesks behind a round-robin nginx, a key
     * limited to 600 a minute asked as fast as the client threads can for one whole minute.
     */
    private static void rateLimits(TestKeydesk keydesk, User user) throws Exception {
        System.out.println();
        var guard = keydesk.primary().services().guard();
        String open = guard.register(Actor.commandLine(), new dev.keydesk.guard.GuardActions.Spec("Bench open", "",
                dev.keydesk.guard.Access.EVERYONE, null)).token();
        String limited = guard.register(Actor.commandLine(), new dev.keydesk.guard.GuardActions.Spec("Bench limited", "",
                dev.keydesk.guard.Access.EVERYONE, 1_000_000)).token();
        String forwardAuth = keydesk.baseUrl() + "/forward-auth";
        String key = Fixtures.keyOf(user);
        Runnable unlimitedCall = () -> expect(200, ask(forwardAuth, open, key));
        Runnable limitedCall = () -> expect(200, ask(forwardAuth, limited, key));
        for (int i = 0; i < 2000; i++) {
            unlimitedCall.run();
            limitedCall.run();
        }
        var statements = keydesk.primary().services().metrics().requestStatements("/forward-auth", "GET");
        double[] rateOpen = new double[3], rateLimited = new double[3];
        double before = statements.totalAmount();
        long counted = statements.count();
        for (int round = 0; round < 3; round++) {
            rateOpen[round] = throughput(unlimitedCall);
            rateLimited[round] = throughput(limitedCall);
        }
        Thread.sleep(200); // the request log records its meters just after each answer
        System.out.printf("%-42s %8.0f requests/s (best of 3, %d client threads)%n", "GET /forward-auth, no limit",
                max(rateOpen), THREADS);
        System.out.printf("%-42s %8.0f requests/s  ratio to no limit %.2f%n", "GET /forward-auth, limit 1,000,000/min",
                max(rateLimited), max(rateLimited) / max(rateOpen));
        System.out.printf("%-42s %8.3f%n", "  SQL statements per forward-auth request", statementsPer(statements, before, counted));

        if (!dev.keydesk.support.Nginx.isInstalled()) {
            System.out.println("two processes behind nginx: skipped, nginx is not installed");
            return;
        }
        int perMinute = 600;
        String token = guard.register(Actor.commandLine(), new dev.keydesk.guard.GuardActions.Spec("Bench 600", "",
                dev.keydesk.guard.Access.EVERYONE, perMinute)).token();
        try (dev.keydesk.support.EchoUpstream upstream = dev.keydesk.support.EchoUpstream.start();
             dev.keydesk.support.ProxyProcess nginx = dev.keydesk.support.Nginx.start("""
                     upstream keydesk { server 127.0.0.1:%d; server 127.0.0.1:%d; }
                     server {
                         listen 127.0.0.1:{PORT};
                         location / {
                             auth_request /_keydesk;
                             error_page 500 = @refused;
                             proxy_pass http://127.0.0.1:%d;
                         }
                         location = /_keydesk {
                             internal;
                             proxy_pass http://keydesk/forward-auth;
                             proxy_pass_request_body off;
                             proxy_set_header Content-Length "";
                             proxy_set_header X-Keydesk-Service-Token "%s";
                         }
                         location @refused { return 429; }
                     }
                     """.formatted(keydesk.primary().port(), keydesk.secondary().port(), upstream.port(), token))) {
            String through = nginx.url("/");
            java.util.function.Supplier<Integer> call = () -> Http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(through)).header("X-Api-Key", key).GET().build()).status();
            expect(200, call.get()); // both processes hear of the service and the key before the minute
            expect(200, call.get());
            // Just before a minute begins by the servers' clock, so the run covers one window exactly.
            long now = TestKeydesk.CLOCK.millis();
            TestKeydesk.CLOCK.advance(java.time.Duration.ofMillis(60_000 - now % 60_000 - 500));
            long windowStart = TestKeydesk.CLOCK.millis() + 500;
            while (TestKeydesk.CLOCK.millis() < windowStart + 20) Thread.sleep(1);
            long stopAt = windowStart + 60_000 - 300;
            java.util.concurrent.atomic.LongAdder admitted = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    while (TestKeydesk.CLOCK.millis() < stopAt) {
                        int status = call.get();
                        if (status == 200) admitted.increment();
                        else if (status == 429) refused.increment();
                        else throw new IllegalStateException("status " + status);
                    }
                }));
            }
            for (Future<?> f : futures) f.get();
            pool.shutdown();
            System.out.printf("%-42s %8d admitted of %d asked in one minute (limit %d)%n",
                    "two processes behind round-robin nginx", admitted.sum(), admitted.sum() + refused.sum(), perMinute);
        }
    }

    /**
     * A Keydesk with an embedded PostgreSQL of its own, which is stopped and started again a few
     * times: how long the first request after PostgreSQL went away waits for its 503 (it finds the
     * database gone), the 503s after it, users/me with a cached key meanwhile, and how long after
     * PostgreSQL accepts connections again the API answers normally.
     */
    private static void databaseOutage() throws Exception {
        System.out.println();
        Path data = Files.createTempDirectory("keydesk-outage-bench");
        Settings settings = Settings.fromMap(Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR", data.toString()));
        try (Keydesk keydesk = Keydesk.start(settings, TestKeydesk.TUNING)) {
            User owner = keydesk.services().organizations().createUserFromCommandLine("Outage Org", "owner@zulip.com",
                    "Owner", dev.keydesk.user.Role.OWNER, Fixtures.PASSWORD).user();
            String auth = Http.basic(owner.email(),
                    keydesk.services().apiKeys().revealKey(Actor.commandLine(), owner.id(), "benchmark"));
            String bots = "http://localhost:" + keydesk.port() + "/api/v1/bots";
            String me = "http://localhost:" + keydesk.port() + "/api/v1/users/me";
            for (int i = 0; i < 300; i++) {
                expect(200, Http.get(bots, auth));
                expect(200, Http.get(me, auth));
            }
            PostgresControl postgres = PostgresControl.running(data.resolve("postgres"));
            Stats first = new Stats();
            Stats later = new Stats();
            Stats cached = new Stats();
            Stats recovery = new Stats();
            int rounds = 5;
            for (int round = 0; round < rounds; round++) {
                expect(200, Http.get(me, auth)); // the key in the cache, as on a server that has been answering
                postgres.stop();
                first.add(timed(() -> expect(503, Http.get(bots, auth))));
                for (int i = 0; i < 50; i++) {
                    later.add(timed(() -> expect(503, Http.get(bots, auth))));
                    cached.add(timed(() -> expect(200, Http.get(me, auth))));
                }
                postgres.start();
                long accepting = System.nanoTime();
                while (Http.get(bots, auth).status() != 200) {
                    if (System.nanoTime() - accepting > 60_000_000_000L) throw new IllegalStateException("never recovered");
                    Thread.sleep(1);
                }
                recovery.add(System.nanoTime() - accepting);
                // Once back, the key-change listener listens again and empties the key cache; the next round
                // caches the key after that.
                awaitKeyChangeListener(keydesk);
            }
            report("database gone: first request's 503", first, -1, rounds);
            report("database gone: the 503s after it", later, -1, 0);
            report("database gone: users/me, key cached", cached, -1, 0);
            report("API normal again after PostgreSQL accepts", recovery, -1, rounds);
        } finally {
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void awaitKeyChangeListener(Keydesk keydesk) throws InterruptedException {
        long start = System.nanoTime();
        while (keydesk.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")
                .mapTo(Long.class).one()) == 0) {
            if (System.nanoTime() - start > 60_000_000_000L) throw new IllegalStateException("the listener never came back");
            Thread.sleep(10);
        }
        Thread.sleep(500); // it empties the cache just after it listens
    }

    private static long timed(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        return System.nanoTime() - t0;
    }

    /** SQL statements per request of one route since the given totals, as counted by the server. */
    private static double statementsPer(io.micrometer.core.instrument.DistributionSummary summary, double before, long counted) {
        return (summary.totalAmount() - before) / Math.max(1, summary.count() - counted);
    }

    private static Http.Response ask(String url, String serviceToken, String key) {
        return Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("X-Keydesk-Service-Token", serviceToken).header("X-Api-Key", key).GET().build());
    }

    /** Requests per second with {@link #THREADS} client threads for about one second. */
    private static double throughput(Runnable call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long deadline = System.nanoTime() + 1_000_000_000L;
        java.util.concurrent.atomic.LongAdder done = new java.util.concurrent.atomic.LongAdder();
        long started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    call.run();
                    done.increment();
                }
            }));
        }
        for (Future<?> f : futures) f.get();
        pool.shutdown();
        return done.sum() / ((System.nanoTime() - started) / 1e9);
    }

    /** Latencies of calls paced at a fixed rate (one client thread, for about two seconds). */
    private static Stats timeAtRate(double perSecond, Runnable call) throws InterruptedException {
        Stats stats = new Stats();
        long interval = (long) (1e9 / perSecond);
        long next = System.nanoTime();
        long end = next + 2_000_000_000L;
        while (next < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            long t0 = System.nanoTime();
            call.run();
            stats.add(System.nanoTime() - t0);
            next += interval;
        }
        return stats;
    }

    /** Bot accounts with current keys, written set-wise; returns the keys. */
    private static List<String> seedBotKeys(TestKeydesk keydesk, int n) {
        List<String> keys = new ArrayList<>();
        keydesk.primary().database().jdbi().useTransaction(h -> {
            var users = h.prepareBatch("INSERT INTO users (email, full_name, role, is_bot, bot_type) "
                    + "VALUES (:email, :name, 400, true, 1)");
            for (int i = 0; i < n; i++) users.bind("email", "seed" + i + "-bot@bench.example").bind("name", "Seed " + i).add();
            users.execute();
            var ids = h.createQuery("SELECT id FROM users WHERE email LIKE 'seed%-bot@bench.example' ORDER BY id")
                    .mapTo(Long.class).list();
            var rows = h.prepareBatch("INSERT INTO api_keys (user_id, digest, ciphertext) VALUES (:user, :digest, :blob)");
            for (long id : ids) {
                String key = dev.keydesk.apikey.ApiKeyFormat.generate();
                keys.add(key);
                rows.bind("user", id).bind("digest", dev.keydesk.security.Tokens.sha256(key))
                        .bind("blob", new byte[] {0}).add(); // never revealed here: any bytes do
            }
            rows.execute();
        });
        return keys;
    }

    private static double max(double[] values) {
        double best = 0;
        for (double v : values) best = Math.max(best, v);
        return best;
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

    /** {@code statements} per {@code requests}; a negative count prints none. */
    private static void report(String what, Stats stats, double statements, int requests) {
        String perRequest = statements < 0 || requests == 0 ? ""
                : String.format("  SQL statements/request %.3f", statements / requests);
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
