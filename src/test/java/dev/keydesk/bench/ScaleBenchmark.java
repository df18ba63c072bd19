package dev.keydesk.bench;

import dev.keydesk.Keydesk;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.metrics.Metrics;
import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.PasswordHasher;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The benchmark's tables in one run, at a large organization's sizes (see {@link ScaleSeed}): the hot API
 * paths as ratios against Keydesk's own 404 route and a bare Javalin "hello" route in the same
 * JVM, with SQL statements (and transactions) per request as the server counts them; then every
 * list as the median of 20 server times. Run it as docs/benchmark.md says; it prints Markdown tables.
 *
 * <p>Rates come from {@link LoopbackLoad} (kept-alive connections over loopback, several client
 * threads, three interleaved rounds, the best of each). Server time is Keydesk's own measure of
 * a request, from its arrival to the end of its handling, as the request log records it (the
 * {@code keydesk_http_requests} timer), read after each of 20 sequential requests that follow a
 * warm-up of the same request. The servers,
 * the client and this program share one JVM: its RSS covers all of them, not PostgreSQL.
 */
public final class ScaleBenchmark {
    private static final int THREADS = 4;
    private static final long ROUND_MILLIS = 2_000;
    private static final int SAMPLES = 20;
    /**
     * A page is measured as a running server serves it: after the JIT compilers have compiled its
     * code. Three requests left much of it interpreted (the Keys page's median was 34 to 41 ms then,
     * 16.5 ms after this warm-up), so each page is first asked this many times, or for {@link #WARM_UP_MILLIS}.
     */
    private static final int WARM_UP_REQUESTS = 300;
    private static final long WARM_UP_MILLIS = 10_000;
    /**
     * A server runs fetch_api_key for days; at the 60 or so calls a second argon2id allows, the
     * JIT compilers take minutes to compile the path's code, and until then they compete for the
     * cores (after 30 s they still took 2 ms of CPU per call, after 150 s 0.6 ms: see the CPU table).
     */
    private static final long FETCH_WARM_UP_MILLIS = 150_000;
    private static final int FETCH_CYCLES = 6;
    private static final long FETCH_SLICE_MILLIS = 2_000;
    /** Below the device limit for the whole run: about 1,500 calls spread over them, 15 each. */
    private static final int SPREAD_ACCOUNTS = 100;
    /** Devices of the member who owns 1,000 bots, used like the bots' keys: their charts are on Account &amp; privacy. */
    private static final int OWNER_DEVICES = 5;
    /** What can be run on its own, e.g. while working on one path: {@code ... ScaleBenchmark fetch}. */
    private static final String[] SECTIONS = {"hot", "fetch", "lists", "usage", "revocation", "memory"};

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final Metrics metrics = keydesk.primary().services().metrics();
    private final int port = keydesk.primary().port();
    private final List<String> apiRows = new ArrayList<>();
    private final List<String> listRows = new ArrayList<>();
    private final List<String> cpuRows = new ArrayList<>();
    /** Two threads for fetch_api_key's clients and the raw argon2id loop, alive all along so {@link CpuUse} sees their CPU. */
    private final ExecutorService loadClient = Executors.newFixedThreadPool(2, new ThreadFactory() {
        private final AtomicInteger made = new AtomicInteger();

        @Override
        public Thread newThread(Runnable work) {
            Thread thread = new Thread(work, CpuUse.LOAD_THREAD_PREFIX + made.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });
    private final HttpClient http = HttpClient.newHttpClient();
    private ScaleSeed.Organization org;
    private String adminKey;

    public static void main(String[] args) throws Exception {
        // One log line per request would cost more than the fast routes themselves.
        System.setProperty("org.slf4j.simpleLogger.log.keydesk.requests", "warn");
        Set<String> sections = args.length == 0 ? Set.of(SECTIONS) : Set.of(args);
        if (!Set.of(SECTIONS).containsAll(sections)) {
            System.err.println("Sections to run (all when none is named): " + String.join(" ", SECTIONS));
            System.exit(2);
        }
        new ScaleBenchmark().run(sections);
        System.exit(0);
    }

    private void run(Set<String> sections) throws Exception {
        System.out.printf("JVM: max heap %d MiB (-Xmx), %d processors; RSS at start %s%n",
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(), rss());
        keydesk.reset();
        long t0 = System.nanoTime();
        org = ScaleSeed.seed(keydesk);
        System.out.printf(Locale.ROOT, "Seeded %,d people, %,d bots with keys, %,d audit rows in %.1f s%n", ScaleSeed.PEOPLE,
                ScaleSeed.BOTS, ScaleSeed.AUDIT_ROWS, (System.nanoTime() - t0) / 1e9);
        adminKey = Fixtures.keyOf(org.admin());
        System.gc();
        Thread.sleep(2_000);
        String idleRss = rss();
        System.out.println("RSS idle, after seeding (both servers, client and seed data in this JVM): " + idleRss);

        Javalin hello = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/hello", ctx -> ctx.result("hello"));
        }).start("127.0.0.1", 0);
        try {
            if (sections.contains("hot")) hotPaths(hello.port());
        } finally {
            hello.stop();
        }
        if (sections.contains("fetch")) fetchApiKey();
        if (sections.contains("lists")) lists();
        if (sections.contains("usage")) usagePages();
        if (sections.contains("revocation")) revocationAndDeactivation();

        System.out.println("\n## Hot paths (loopback, " + THREADS + " client threads, best of 3 interleaved rounds of "
                + ROUND_MILLIS / 1000 + " s)\n");
        System.out.println("| path | measured | limit it is measured against | ratio |");
        System.out.println("| --- | --- | --- | --- |");
        apiRows.forEach(System.out::println);
        if (!cpuRows.isEmpty()) {
            System.out.println("\n## Where `fetch_api_key`'s CPU goes (one account at its device limit, per call, over its slices; raw argon2id per verification)\n");
            System.out.println("| part | `fetch_api_key` | raw argon2id |");
            System.out.println("| --- | --- | --- |");
            cpuRows.forEach(System.out::println);
        }
        System.out.println("\n## Lists (server time, median of " + SAMPLES + ")\n");
        System.out.println("| page | at size | server time | HTML/JSON size |");
        System.out.println("| --- | --- | --- | --- |");
        listRows.forEach(System.out::println);
        if (!sections.contains("memory")) return;

        String loadedRss = minuteOfLoad();
        System.out.println("\n## Memory\n");
        System.out.printf("- max heap: %d MiB; RSS idle: %s; RSS after a minute of users/me load: %s%n",
                Runtime.getRuntime().maxMemory() >> 20, idleRss, loadedRss);
        System.out.println("- RSS covers this whole JVM: both Keydesk servers, the load client and the benchmark's "
                + "own data (100,000 keys); PostgreSQL runs in its own processes.");
    }

    private void hotPaths(int helloPort) throws Exception {
        var notFound = LoopbackLoad.Request.get(port, "/api/v1/no-such-endpoint");
        var bare = LoopbackLoad.Request.get(helloPort, "/hello");
        String adminAuth = "Authorization: " + Http.basic(org.admin().email(), adminKey);
        var me = LoopbackLoad.Request.get(port, "/api/v1/users/me", adminAuth);
        var wrongEmail = LoopbackLoad.Request.get(port, "/api/v1/users/me",
                "Authorization: " + Http.basic("someone-else@scale.example", adminKey));
        var unknown = LoopbackLoad.Request.get(port, "/api/v1/users/me",
                "Authorization: " + Http.basic(org.admin().email(), ApiKeyFormat.generate()));
        var serverSettings = LoopbackLoad.Request.get(port, "/api/v1/server_settings");
        for (int i = 0; i < 3; i++) { // warm up the JIT, the pool and the caches
            LoopbackLoad.throughput(notFound, 404, THREADS, 1_000);
            LoopbackLoad.throughput(bare, 200, THREADS, 1_000);
            LoopbackLoad.throughput(me, 200, THREADS, 1_000);
            LoopbackLoad.throughput(wrongEmail, 401, THREADS, 500);
            LoopbackLoad.throughput(serverSettings, 200, THREADS, 1_000);
        }

        var meStatements = new Counted("/api/v1/users/me");
        var settingsStatements = new Counted("/api/v1/server_settings");
        double[] r404 = new double[3], rHello = new double[3], rMe = new double[3], rWrong = new double[3];
        double[] rSettings = new double[3];
        for (int round = 0; round < 3; round++) {
            r404[round] = LoopbackLoad.throughput(notFound, 404, THREADS, ROUND_MILLIS);
            rHello[round] = LoopbackLoad.throughput(bare, 200, THREADS, ROUND_MILLIS);
            rMe[round] = LoopbackLoad.throughput(me, 200, THREADS, ROUND_MILLIS);
            rWrong[round] = LoopbackLoad.throughput(wrongEmail, 401, THREADS, ROUND_MILLIS);
            rSettings[round] = LoopbackLoad.throughput(serverSettings, 200, THREADS, ROUND_MILLIS);
        }
        double best404 = max(r404), bestHello = max(rHello), bestMe = max(rMe), bestWrong = max(rWrong);
        double bestSettings = max(rSettings);
        apiRows.add(String.format(Locale.ROOT, "| `GET /api/v1/users/me`, cached key | %,.0f req/s, %s | Keydesk's 404 route: %,.0f req/s; a bare Javalin hello: %,.0f req/s | %.2f / %.2f |",
                bestMe, meStatements.perRequest(), best404, bestHello, bestMe / best404, bestMe / bestHello));
        apiRows.add(String.format(Locale.ROOT, "| the same auth, cached key with a wrong e-mail (401) | %,.0f req/s | `users/me` cached: %,.0f req/s | %.2f |",
                bestWrong, bestMe, bestWrong / bestMe));

        var unknownStatements = new Counted("/api/v1/users/me");
        var connection = new LoopbackLoad.Connection(unknown);
        for (int i = 0; i < 1_000; i++) LoopbackLoad.expect(401, connection.send(unknown));
        connection.close();
        apiRows.add(String.format(Locale.ROOT, "| a well-formed but unknown key, 1,000 attempts | %s (the first one looks it up; the rest are remembered misses) | — | — |",
                unknownStatements.total()));

        double halfRate = best404 / 2;
        long[] l404 = LoopbackLoad.latenciesAtRate(notFound, 404, halfRate, 3_000);
        long[] lHello = LoopbackLoad.latenciesAtRate(bare, 200, halfRate, 3_000);
        long[] lMe = LoopbackLoad.latenciesAtRate(me, 200, halfRate, 3_000);
        apiRows.add(String.format(Locale.ROOT, "| `users/me` p99 at half the 404 route's peak (%,.0f req/s, one connection) | %.3f ms (p50 %.3f) | the 404 route at the same rate: %.3f ms; bare hello: %.3f ms | %.2f / %.2f |",
                halfRate, LoopbackLoad.percentileMillis(lMe, 99), LoopbackLoad.percentileMillis(lMe, 50),
                LoopbackLoad.percentileMillis(l404, 99), LoopbackLoad.percentileMillis(lHello, 99),
                LoopbackLoad.percentileMillis(lMe, 99) / LoopbackLoad.percentileMillis(l404, 99),
                LoopbackLoad.percentileMillis(lMe, 99) / LoopbackLoad.percentileMillis(lHello, 99)));
        apiRows.add(String.format(Locale.ROOT, "| `GET /api/v1/server_settings` | %,.0f req/s, %s | Keydesk's 404 route: %,.0f req/s | %.2f |",
                bestSettings, settingsStatements.perRequest(), best404, bestSettings / best404));
    }

    /**
     * fetch_api_key on 2 client threads against raw argon2id verification with the same parameters
     * on 2 threads, then where each one's CPU went. fetch_api_key runs two ways: one account again
     * and again (at its device limit, so each call also logs a device out: the worst case), and
     * logins spread over {@value #SPREAD_ACCOUNTS} people (below the limit, each client known: the
     * common case). A third rate is the floor: a bare Javalin route that verifies the same hash and
     * commits one row to the same database, the least any login that records itself durably can do
     * here; a fourth, the same route without the row, is what HTTP alone costs around argon2id.
     *
     * <p>Each rate is a total over {@value #FETCH_CYCLES} slices of {@value #FETCH_SLICE_MILLIS} ms,
     * each right after a slice of raw argon2id, whose rate is the total over all of its slices: the
     * machine's speed drifts by a third within minutes here, and slices this short and this mixed
     * meet the drift alike.
     */
    private void fetchApiKey() throws Exception {
        var atLimit = fetchRequest(org.admin().email());
        List<LoopbackLoad.Request> spread = new ArrayList<>();
        for (int i = 1; i <= SPREAD_ACCOUNTS; i++) spread.add(fetchRequest(String.format(Locale.ROOT, "member%05d@scale.example", i)));
        AtomicInteger nextAccount = new AtomicInteger();
        // Each load-client thread keeps its own connection, as wrk does.
        ThreadLocal<LoopbackLoad.Connection> connection = ThreadLocal.withInitial(() -> new LoopbackLoad.Connection(atLimit));
        ThrowingRunnable fetch = () -> LoopbackLoad.expect(200, connection.get().send(atLimit));
        ThrowingRunnable fetchSpread = () -> LoopbackLoad.expect(200,
                connection.get().send(spread.get(Math.floorMod(nextAccount.getAndIncrement(), SPREAD_ACCOUNTS))));
        onTwoThreads(FETCH_WARM_UP_MILLIS, fetch);
        // Every spread account's first login from this client (each queues a new-login e-mail) comes before the slices.
        while (nextAccount.get() < 2 * SPREAD_ACCOUNTS) onTwoThreads(1_000, fetchSpread);
        PasswordHasher hasher = new PasswordHasher();
        String hash = hasher.hash(Fixtures.PASSWORD);
        ThrowingRunnable verify = () -> {
            if (!hasher.verify(hash, Fixtures.PASSWORD)) throw new IllegalStateException("no match");
        };
        Javalin floorServer = floorLogin(hasher, hash);
        try {
            String credentials = Http.urlencode(Http.form("username", org.admin().email(), "password", Fixtures.PASSWORD));
            var floorRequest = LoopbackLoad.Request.postForm(floorServer.port(), "/login", credentials);
            var verifyRequest = LoopbackLoad.Request.postForm(floorServer.port(), "/verify", credentials);
            ThreadLocal<LoopbackLoad.Connection> floorConnection = ThreadLocal.withInitial(() -> new LoopbackLoad.Connection(floorRequest));
            ThrowingRunnable floor = () -> LoopbackLoad.expect(200, floorConnection.get().send(floorRequest));
            ThrowingRunnable overHttp = () -> LoopbackLoad.expect(200, floorConnection.get().send(verifyRequest));
            onTwoThreads(2_000, verify);
            onTwoThreads(2_000, floor);
            onTwoThreads(2_000, overHttp);
            // In that order: at the limit, spread, the floor, HTTP alone.
            List<ThrowingRunnable> series = List.of(fetch, fetchSpread, floor, overHttp);
            long[] calls = new long[series.size()];
            double[] seconds = new double[series.size()];
            Path postgresData = keydesk.dataDir().resolve("postgres");
            CpuUse fetchCpu = CpuUse.NONE, argonCpu = CpuUse.NONE;
            long verifications = 0;
            double argonSeconds = 0;
            for (int cycle = 0; cycle < FETCH_CYCLES; cycle++) {
                for (int i = 0; i < series.size(); i++) {
                    var before = CpuUse.now(postgresData);
                    Run verified = onTwoThreads(FETCH_SLICE_MILLIS, verify);
                    var between = CpuUse.now(postgresData);
                    Run run = onTwoThreads(FETCH_SLICE_MILLIS, series.get(i));
                    argonCpu = argonCpu.plus(between.minus(before));
                    if (i == 0) fetchCpu = fetchCpu.plus(CpuUse.now(postgresData).minus(between));
                    verifications += verified.calls();
                    argonSeconds += verified.seconds();
                    calls[i] += run.calls();
                    seconds[i] += run.seconds();
                }
            }
            double argonRate = verifications / argonSeconds;
            double[] rates = new double[series.size()];
            for (int i = 0; i < rates.length; i++) rates[i] = calls[i] / seconds[i];
            long fetchCalls = calls[0];
            double fetchSeconds = seconds[0];
            String against = String.format(Locale.ROOT, "raw argon2id verify, same parameters, 2 threads: %.1f/s", argonRate);
            apiRows.add(String.format(Locale.ROOT, "| `fetch_api_key`, 2 clients, one account at its device limit (each call logs a device out) | %.1f/s, %s | %s | %.2f |",
                    rates[0], statementsPerCall(fetch), against, rates[0] / argonRate));
            apiRows.add(String.format(Locale.ROOT, "| `fetch_api_key`, 2 clients, logins spread over %d people below the limit | %.1f/s, %s | %s | %.2f |",
                    SPREAD_ACCOUNTS, rates[1], statementsPerCall(fetchSpread), against, rates[1] / argonRate));
            apiRows.add(String.format(Locale.ROOT, "| the floor: a bare Javalin route verifying the hash and committing one row, 2 clients | %.1f/s | %s | %.2f |",
                    rates[2], against, rates[2] / argonRate));
            apiRows.add(String.format(Locale.ROOT, "| the same route without the row: argon2id over HTTP alone, 2 clients | %.1f/s | %s | %.2f |",
                    rates[3], against, rates[3] / argonRate));
            cpuRows.add(cpuRow("the load client's threads (raw: argon2id itself)", fetchCpu.loadClient(), fetchCalls, argonCpu.loadClient(), verifications));
            cpuRows.add(cpuRow("Keydesk's request and hashing threads (argon2id included)", fetchCpu.requestThreads(), fetchCalls, argonCpu.requestThreads(), verifications));
            cpuRows.add(cpuRow("PostgreSQL: its connections (the statements)", fetchCpu.postgresConnections(), fetchCalls,
                    argonCpu.postgresConnections(), verifications));
            cpuRows.add(cpuRow("PostgreSQL: autovacuum", fetchCpu.postgresAutovacuum(), fetchCalls,
                    argonCpu.postgresAutovacuum(), verifications));
            cpuRows.add(cpuRow("PostgreSQL: its other processes (WAL writer, checkpointer, ...)", fetchCpu.postgresBackground(), fetchCalls,
                    argonCpu.postgresBackground(), verifications));
            cpuRows.add(cpuRow("the JVM's own threads (JIT compilers, GC)", fetchCpu.jvmInternals(), fetchCalls, argonCpu.jvmInternals(), verifications));
            cpuRows.add(cpuRow("other Java threads (background jobs)", fetchCpu.other(), fetchCalls, argonCpu.other(), verifications));
            cpuRows.add(cpuRow("all", fetchCpu.total(), fetchCalls, argonCpu.total(), verifications));
            int cores = Runtime.getRuntime().availableProcessors();
            cpuRows.add(String.format(Locale.ROOT, "| cores busy (of %d) | %.0f %% | %.0f %% |", cores,
                    100.0 * fetchCpu.total() / (fetchSeconds * 1e9 * cores), 100.0 * argonCpu.total() / (argonSeconds * 1e9 * cores)));
            double argonPerCall = argonCpu.loadClient() / 1e6 / verifications;
            cpuRows.add(String.format(Locale.ROOT, "%nargon2id is %.1f ms of the %.1f ms of CPU a `fetch_api_key` call uses; the other %.1f ms "
                            + "are the rows above less argon2id's share of the request threads.",
                    argonPerCall, fetchCpu.total() / 1e6 / fetchCalls, fetchCpu.total() / 1e6 / fetchCalls - argonPerCall));
        } finally {
            floorServer.stop();
        }
    }

    private LoopbackLoad.Request fetchRequest(String email) {
        return LoopbackLoad.Request.postForm(port, "/api/v1/fetch_api_key",
                Http.urlencode(Http.form("username", email, "password", Fixtures.PASSWORD)));
    }

    /** SQL statements and transactions per call of {@code call}, over 2 s of it on its own. */
    private String statementsPerCall(ThrowingRunnable call) throws Exception {
        var counted = new Counted("/api/v1/fetch_api_key");
        onTwoThreads(2_000, call);
        return counted.perRequest();
    }

    /**
     * The least a login that records itself durably does: verify the password's hash, commit one
     * row (a WAL flush, as fetch_api_key's transaction waits for one) and answer.
     */
    private Javalin floorLogin(PasswordHasher hasher, String hash) {
        Jdbi jdbi = keydesk.primary().database().jdbi();
        jdbi.useHandle(h -> h.execute("""
                CREATE TABLE IF NOT EXISTS benchmark_floor_logins (
                    id bigserial PRIMARY KEY, username text NOT NULL, logged_in_at timestamptz NOT NULL DEFAULT now())"""));
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/login", ctx -> {
                String username = ctx.formParam("username");
                if (username == null || !hasher.verify(hash, ctx.formParam("password"))) {
                    ctx.status(401);
                    return;
                }
                jdbi.useHandle(h -> h.execute("INSERT INTO benchmark_floor_logins (username) VALUES (?)", username));
                ctx.contentType("application/json").result("{\"result\":\"success\",\"msg\":\"\"}");
            });
            config.routes.post("/verify", ctx -> {
                if (!hasher.verify(hash, ctx.formParam("password"))) {
                    ctx.status(401);
                    return;
                }
                ctx.contentType("application/json").result("{\"result\":\"success\",\"msg\":\"\"}");
            });
        }).start("127.0.0.1", 0);
    }

    private static String cpuRow(String part, long fetchNanos, long calls, long argonNanos, long verifications) {
        return String.format(Locale.ROOT, "| %s | %.2f ms | %.2f ms |", part, fetchNanos / 1e6 / calls, argonNanos / 1e6 / verifications);
    }

    private void lists() throws Exception {
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login(org.admin().email(), Fixtures.PASSWORD);
        String adminCookie = admin.cookie(WebSession.SESSION_COOKIE);
        WebClient owner = new WebClient(keydesk.baseUrl());
        owner.login(org.botOwner().email(), Fixtures.PASSWORD);
        String ownerCookie = owner.cookie(WebSession.SESSION_COOKIE);

        listRow("/keys first page", "100,000 bots", "/keys", "/keys", adminCookie, null);
        listRow("/keys last page", "100,000 bots", "/keys", "/keys?before=zzzzzzzz%7C9223372036854775807", adminCookie, null);
        listRow("/keys search \"bot 0999\"", "100,000 bots", "/keys", "/keys?q=bot+0999", adminCookie, null);
        listRow("/keys any view (HTML size)", "10,000 members", "/keys", "/keys", adminCookie, null);
        listRow("/users", "10,000 members", "/users", "/users", adminCookie, null);
        listRow("/bots (Your bots)", "1,000 own bots in a 110,000-user org", "/bots", "/bots", ownerCookie, null);
        listRow("/audit-log first page", "1,000,000 rows", "/audit-log", "/audit-log", adminCookie, null);
        listRow("/audit-log, a target filter that matches nothing", "1,000,000 rows", "/audit-log",
                "/audit-log?target=nobody-at-all", adminCookie, null);
        String deepAt = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '|' || id FROM audit_log "
                        + "ORDER BY created_at DESC, id DESC OFFSET 950000 LIMIT 1").mapTo(String.class).one());
        listRow("/audit-log deep page (row 950,000, page 19,000 of 50)", "1,000,000 rows", "/audit-log",
                "/audit-log?after=" + java.net.URLEncoder.encode(deepAt, java.nio.charset.StandardCharsets.UTF_8), adminCookie, null);
        String adminAuth = Http.basic(org.admin().email(), adminKey);
        listRow("`GET /api/v1/bots` as admin, first page", "1,000 of 98,000 own bots of 100,000", "/api/v1/bots",
                "/api/v1/bots", null, adminAuth);
        long deepAfter = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT bot_id FROM bot_owners WHERE owner_id = :admin ORDER BY bot_id OFFSET 89999 LIMIT 1")
                .bind("admin", org.admin().id()).mapTo(Long.class).one());
        listRow("`GET /api/v1/bots` as admin, after the 90,000th own bot", "1,000 of 98,000 own bots of 100,000",
                "/api/v1/bots", "/api/v1/bots?after_id=" + deepAfter, null, adminAuth);
    }

    /**
     * The pages that show usage, after 90 days of hourly use by 10,000 keys: the Usage page, a used
     * bot's page, the Keys page, and one key's series through the API.
     */
    private void usagePages() throws Exception {
        for (int i = 1; i <= OWNER_DEVICES; i++) {
            Fixtures.deviceKey(org.botOwner(), "ZulipMobile/" + i, "ZulipMobile/27." + i + " (Android 14)", "192.0.2." + i);
        }
        long t0 = System.nanoTime();
        long rows = ScaleSeed.seedUsage(keydesk);
        System.out.printf(Locale.ROOT, "Seeded %,d hourly usage rows (%,d keys, %d days, %d hours a day) and their daily sums in %.1f s%n",
                rows, ScaleSeed.USED_KEYS, ScaleSeed.USAGE_DAYS, ScaleSeed.USED_HOURS_PER_DAY, (System.nanoTime() - t0) / 1e9);
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login(org.admin().email(), Fixtures.PASSWORD);
        String adminCookie = admin.cookie(WebSession.SESSION_COOKIE);
        WebClient owner = new WebClient(keydesk.baseUrl());
        owner.login(org.botOwner().email(), Fixtures.PASSWORD);
        String ownerCookie = owner.cookie(WebSession.SESSION_COOKIE);
        long usedBot = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT min(bot_id) FROM bot_owners WHERE owner_id = :owner").bind("owner", org.botOwner().id()).mapTo(Long.class).one());
        long usedKey = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT id FROM api_keys WHERE user_id = :bot AND kind = 'main' AND revoked_at IS NULL").bind("bot", usedBot)
                .mapTo(Long.class).one());
        String size = "10,000 keys used for 90 days";
        listRow("/usage", size, "/usage", "/usage", adminCookie, null);
        listRow("a used bot's page", size, "/bots/{bot_id}", "/bots/" + usedBot, ownerCookie, null);
        listRow("Account & privacy, " + OWNER_DEVICES + " devices used for 90 days", size, "/account", "/account", ownerCookie, null);
        listRow("/keys first page", size, "/keys", "/keys", adminCookie, null);
        listRow("/keys, failing keys", size, "/keys", "/keys?use=failing", adminCookie, null);
        listRow("/keys, not used for 90 days (by last use)", size, "/keys", "/keys?use=unused90", adminCookie, null);
        // By name the list passes the 10,000 used bots first: their names come before every idle one's.
        listRow("/keys, not used for 90 days, by name", size, "/keys", "/keys?use=unused90&sort=name", adminCookie, null);
        listRow("/bots (Your bots)", size, "/bots", "/bots", ownerCookie, null);
        listRow("`GET /api/v1/keys/{key_id}/usage`", size, "/api/v1/keys/{key_id}/usage",
                "/api/v1/keys/" + usedKey + "/usage", null, Http.basic(org.admin().email(), adminKey));
    }

    /** One row of the lists table: median server time of {@link #SAMPLES} requests (after the warm-up) and the answer's size. */
    private void listRow(String page, String size, String route, String path, String cookie, String authorization)
            throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + path)).GET();
        if (cookie != null) builder.header("Cookie", WebSession.SESSION_COOKIE + "=" + cookie);
        if (authorization != null) builder.header("Authorization", authorization);
        HttpRequest request = builder.build();
        long bytes = 0;
        long warmUpEnd = System.nanoTime() + WARM_UP_MILLIS * 1_000_000;
        for (int i = 0; i < WARM_UP_REQUESTS && System.nanoTime() < warmUpEnd; i++) bytes = send(request).length;
        List<Double> millis = new ArrayList<>();
        Counted counted = new Counted(route);
        for (int i = 0; i < SAMPLES; i++) millis.add(serverMillis(route, () -> send(request)));
        millis.sort(null);
        listRows.add(String.format(Locale.ROOT, "| %s | %s | %.1f ms (%s) | %s |", page, size, millis.get(SAMPLES / 2),
                counted.perRequest(), bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6)
                        : String.format(Locale.ROOT, "%.0f kB", bytes / 1e3)));
    }

    private byte[] send(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(request.uri() + ": " + response.statusCode() + " "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return response.body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Revocation seen by the other process, and deactivating a sole owner of 1,000 bots, with empty and full caches. */
    private void revocationAndDeactivation() throws Exception {
        String emptyCache = revocation(30);
        double emptyDeactivation = deactivate(org.otherBotOwner().id());
        int emptyNotifications = lastNotifications;

        // 50,000 keys cached in both processes, looked up as the API would.
        for (Keydesk process : List.of(keydesk.primary(), keydesk.secondary())) {
            var authenticator = process.services().authenticator();
            for (ScaleSeed.BotKey bot : org.adminBots().subList(0, 50_000)) {
                authenticator.authenticate(bot.email(), bot.key(), "127.0.0.1");
            }
        }
        long cachedThere = keydesk.secondary().services().keyCache().size();
        String fullCache = revocation(30);
        double fullDeactivation = deactivate(org.botOwner().id());
        apiRows.add("| revocation seen by another process, empty cache | " + emptyCache + " | — | — |");
        apiRows.add(String.format(Locale.ROOT, "| the same with %,d keys cached there | %s | the empty cache | %.2f (p50) |",
                cachedThere, fullCache, p50(fullCache) / p50(emptyCache)));
        apiRows.add(String.format(Locale.ROOT, "| deactivating a member who alone owns 1,000 bots, %,d keys cached in each process | %.0f ms, %d NOTIFY | the same with empty caches: %.0f ms, %d NOTIFY | %.2f |",
                cachedThere, fullDeactivation, lastNotifications, emptyDeactivation, emptyNotifications,
                fullDeactivation / emptyDeactivation));
    }

    private int lastNotifications;

    /** Deactivates a person through the Users page's action; returns its time in ms, and counts the NOTIFYs sent. */
    private double deactivate(long personId) throws Exception {
        try (java.sql.Connection listener = DriverManager.getConnection(
                "jdbc:" + keydesk.databaseUrl().replace("postgres@", ""), "postgres", "")) {
            try (Statement statement = listener.createStatement()) {
                statement.execute("LISTEN " + KeyCache.CHANNEL);
            }
            long t0 = System.nanoTime();
            Fixtures.deactivatePerson(org.admin(), personId);
            double millis = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(300);
            int count = 0;
            try (Statement statement = listener.createStatement()) {
                statement.execute("SELECT 1");
            }
            PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(500);
            if (received != null) count = received.length;
            lastNotifications = count;
            return millis;
        }
    }

    /** p50 and max of the time until the second process refuses a replaced key, over {@code rounds}. */
    private String revocation(int rounds) throws Exception {
        int otherPort = keydesk.secondary().port();
        long[] nanos = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            var request = LoopbackLoad.Request.get(otherPort, "/api/v1/users/me",
                    "Authorization: " + Http.basic(org.admin().email(), adminKey));
            try (var connection = new LoopbackLoad.Connection(request)) {
                LoopbackLoad.expect(200, connection.send(request)); // cached there
                adminKey = Fixtures.regenerateKey(org.admin());
                long t0 = System.nanoTime();
                while (connection.send(request) != 401) {
                    if (System.nanoTime() - t0 > 5_000_000_000L) throw new IllegalStateException("never refused");
                }
                nanos[round] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(nanos);
        return String.format(Locale.ROOT, "p50 %.2f ms, max %.2f ms", LoopbackLoad.percentileMillis(nanos, 50),
                LoopbackLoad.percentileMillis(nanos, 100));
    }

    private static double p50(String revocation) {
        return Double.parseDouble(revocation.substring(4, revocation.indexOf(" ms")));
    }

    /** A minute of users/me on {@link #THREADS} connections; returns the RSS after it. */
    private String minuteOfLoad() throws Exception {
        adminKey = Fixtures.keyOf(org.admin());
        var me = LoopbackLoad.Request.get(port, "/api/v1/users/me", "Authorization: " + Http.basic(org.admin().email(), adminKey));
        double rate = LoopbackLoad.throughput(me, 200, THREADS, 60_000);
        System.out.printf(Locale.ROOT, "%nA minute of users/me: %,.0f req/s%n", rate);
        return rss();
    }

    /** The server time of one request of {@code route}, from the request log's timer. */
    private double serverMillis(String route, Runnable call) throws InterruptedException {
        long count = requestCount(route);
        double before = requestNanos(route);
        call.run();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (requestCount(route) <= count) { // the request log records just after the answer is sent
            if (System.nanoTime() > deadline) throw new IllegalStateException("request of " + route + " not recorded");
            Thread.sleep(1);
        }
        return (requestNanos(route) - before) / 1e6;
    }

    private long requestCount(String route) {
        return metrics.registry().find("keydesk_http_requests").tag("route", route).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private double requestNanos(String route) {
        return metrics.registry().find("keydesk_http_requests").tag("route", route).timers().stream()
                .mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)).sum();
    }

    /** SQL statements and transactions of the primary server's requests of one route since this was made. */
    private final class Counted {
        private final String route;
        private final long requests;
        private final double statements;
        private final double transactions;
        private final long started = System.nanoTime();

        Counted(String route) {
            this.route = route;
            var summary = metrics.requestStatements(route, "GET");
            var post = metrics.requestStatements(route, "POST");
            this.requests = summary.count() + post.count();
            this.statements = summary.totalAmount() + post.totalAmount();
            this.transactions = transactionsSoFar();
        }

        /** As the server counts them on each request's own thread, so background work is left out. */
        private double transactionsSoFar() {
            return metrics.requestTransactions(route, "GET").totalAmount() + metrics.requestTransactions(route, "POST").totalAmount();
        }

        private long newRequests() throws InterruptedException {
            Thread.sleep(300); // the request log records its meters just after each answer
            return metrics.requestStatements(route, "GET").count() + metrics.requestStatements(route, "POST").count() - requests;
        }

        private double newStatements() {
            return metrics.requestStatements(route, "GET").totalAmount() + metrics.requestStatements(route, "POST").totalAmount()
                    - statements;
        }

        /** Per request, both as the server counts them for the request itself. */
        String perRequest() throws InterruptedException {
            long n = Math.max(1, newRequests());
            return String.format(Locale.ROOT, "%.3f SQL statements and %.3f transactions per request", newStatements() / n,
                    (transactionsSoFar() - transactions) / n);
        }

        String total() throws InterruptedException {
            long n = newRequests();
            return String.format(Locale.ROOT, "%.0f SQL statements for %d requests", newStatements(), n);
        }
    }

    /** Calls made in a run of {@link #onTwoThreads}, and its length. */
    private record Run(long calls, double seconds) {
        double rate() {
            return calls / seconds;
        }
    }

    /** {@code call} in a loop on both load-client threads for {@code millis}. */
    private Run onTwoThreads(long millis, ThrowingRunnable call) throws Exception {
        LongAdder done = new LongAdder();
        long started = System.nanoTime();
        long deadline = started + millis * 1_000_000;
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            futures.add(loadClient.submit(() -> {
                while (System.nanoTime() < deadline) {
                    call.run();
                    done.increment();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) f.get();
        return new Run(done.sum(), (System.nanoTime() - started) / 1e9);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    /** This JVM's resident set size, from /proc/self/status. */
    private static String rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%d MiB", kib >> 10);
                }
            }
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    private ScaleBenchmark() {}
}
