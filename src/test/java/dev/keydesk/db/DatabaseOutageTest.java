package dev.keydesk.db;

import dev.keydesk.support.StderrCapture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.Keydesk;
import dev.keydesk.Services;
import dev.keydesk.audit.Actor;
import dev.keydesk.config.Settings;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.ApiContract;
import dev.keydesk.support.Http;
import dev.keydesk.support.PostgresControl;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stops under a small load and starts again. Meanwhile every answer is honest (503
 * with Retry-After, never a 500 nor a hang), a cached key keeps answering users/me, the log says
 * so once, and afterwards everything works again, with each key change made entirely or not at
 * all. The server has its own embedded PostgreSQL, which the test stops and starts with the
 * pg_ctl the embedded server was started with. How fast the 503s come and how soon Keydesk
 * recovers are measured by KeyPathBenchmark, not asserted here.
 */
@IntegrationTest
class DatabaseOutageTest {
    private static final String PASSWORD = "correct horse battery";
    /** How long the database stays away: long enough for any retry backoff to have grown. */
    private static final Duration OUTAGE = Duration.ofSeconds(3);
    /** Correctness deadlines, not speed budgets: for the recovery, and for any one request. */
    private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(30);
    private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(10);
    /** A session cookie nobody issued: looking it up needs the database. */
    private static final String SESSION_COOKIE = "keydesk_session=" + "s".repeat(43);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void answersFastAndHonestlyWhileTheDatabaseIsAwayAndRecovers() throws Exception {
        Path data = dir.resolve("data");
        Settings settings = Settings.fromMap(Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR", data.toString()));
        try (Keydesk keydesk = Keydesk.start(settings, TestKeydesk.TUNING)) {
            String base = "http://localhost:" + keydesk.port();
            Services services = keydesk.services();
            User owner = services.organizations().createUserFromCommandLine("Outage Org", "owner@zulip.com", "Owner",
                    Role.OWNER, PASSWORD).user();
            String ownerAuth = Http.basic(owner.email(), services.apiKeys().revealKey(Actor.commandLine(), owner.id(), "test"));
            List<Member> members = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                User user = services.organizations().createUserFromCommandLine("Outage Org", "member" + i + "@zulip.com",
                        "Member " + i, Role.MEMBER, PASSWORD).user();
                members.add(new Member(user, services.apiKeys().revealKey(Actor.commandLine(), user.id(), "test")));
            }
            // Every key in the cache, as on a server that has been answering for a while.
            assertEquals(200, call(Request.get(base + "/api/v1/users/me", ownerAuth)).status());
            for (Member m : members) assertEquals(200, call(Request.get(base + "/api/v1/users/me", m.auth())).status());

            PostgresControl postgres = PostgresControl.running(data.resolve("postgres"));
            Load load = new Load(base, ownerAuth);
            Outage outage;
            try (StderrCapture log = new StderrCapture(); load) {
                load.start(3);
                // One regeneration before the shutdown, three racing it, four once it is down.
                members.get(0).regenerate(base);
                assertEquals(200, members.get(0).answer.status(), members.get(0).answer.toString());
                Thread racing = new Thread(() -> members.subList(1, 4).forEach(m -> m.regenerate(base)));
                racing.start();
                outage = new Outage(System.nanoTime());
                postgres.stop();
                outage.stopped = System.nanoTime();
                racing.join(30_000);
                members.subList(4, 8).forEach(m -> m.regenerate(base));

                // While it is down, ask everything, repeatedly, for the length of the outage.
                while (System.nanoTime() - outage.stopped < OUTAGE.toNanos()) {
                    outage.samples.add(call(Request.get(base + "/api/v1/bots", ownerAuth)).as("bots"));
                    outage.samples.add(call(Request.postForm(base + "/api/v1/fetch_api_key",
                            Map.of("username", owner.email(), "password", PASSWORD))).as("fetch_api_key"));
                    outage.samples.add(call(Request.get(base + "/health", null)).as("health"));
                    outage.samples.add(call(Request.get(base + "/account", null).cookie(SESSION_COOKIE)).as("page"));
                    outage.samples.add(call(Request.get(base + "/api/v1/users/me", ownerAuth)).as("users/me"));
                    outage.samples.add(call(Request.get(base + "/login", null)).as("login page"));
                    outage.samples.add(call(Request.get(base + "/static/keydesk.css", null)).as("static"));
                }

                outage.startCalled = System.nanoTime();
                postgres.start();
                outage.restarted = System.nanoTime();
                long deadline = outage.restarted + RECOVERY_DEADLINE.toNanos();
                while (call(Request.get(base + "/api/v1/bots", ownerAuth)).status() != 200) {
                    if (System.nanoTime() > deadline) fail("The API did not recover within " + RECOVERY_DEADLINE);
                    LockSupport.parkNanos(POLL.toNanos());
                }
                outage.recovered = System.nanoTime();
                load.stop();
                outage.log = log.lines();
            }
            System.out.println(outage.summary(load));
            System.out.println("  regenerations: " + members.stream().map(m -> m.answer.status() + " in " + m.answer.millis()
                    + " ms").toList());

            // During the outage: 503, in the API's shape or as a page.
            for (Sample s : outage.samples) {
                switch (s.kind()) {
                    case "users/me" -> assertEquals(200, s.status(), "a cached key needs no database: " + s);
                    case "login page", "static" -> assertEquals(200, s.status(), "needs no database: " + s);
                    case "health" -> assertEquals(503, s.status(), s.toString());
                    case "page" -> {
                        assertEquals(503, s.status(), s.toString());
                        assertTrue(s.contentType().startsWith("text/html"), s.toString());
                        assertTrue(s.body().contains("database"), s.toString());
                    }
                    default -> assertApiUnavailable(s, s.kind().equals("bots") ? "GET" : "POST",
                            s.kind().equals("bots") ? "/bots" : "/fetch_api_key");
                }
            }
            // The load: never a 500 nor a request left hanging, and only 503s or cached answers while it was down.
            assertFalse(load.samples.isEmpty());
            for (Sample s : load.samples) {
                assertTrue(s.status() != 500 && s.status() > 0, "no 500s, no broken connections, no time-outs: " + s);
                if (s.startNanos() > outage.stopped && s.startNanos() < outage.startCalled) {
                    if (s.kind().equals("users/me")) {
                        assertEquals(200, s.status(), s.toString());
                    } else {
                        assertEquals(503, s.status(), s.toString());
                        if (s.kind().equals("bots")) assertApiUnavailable(s, "GET", "/bots");
                    }
                }
            }
            assertEquals(200, call(Request.get(base + "/health", null)).status());

            // One line when the outage starts, one when it ends; no stack traces, no errors, no other warnings
            // from the parts that use the database. (Other servers of the test run may log about their own affairs.)
            List<String> databaseLog = outage.log.stream().filter(DatabaseOutageTest::isFromDatabaseUsers).toList();
            assertEquals(2, databaseLog.size(), String.join("\n", outage.log));
            assertTrue(databaseLog.get(0).contains(" WARN DatabaseAvailability - The database is unreachable"),
                    databaseLog.get(0));
            assertTrue(databaseLog.get(1).contains(" INFO DatabaseAvailability - The database is reachable again"),
                    databaseLog.get(1));
            assertTrue(outage.log.stream().noneMatch(l -> l.startsWith("\tat ")), String.join("\n", outage.log));

            // Each regeneration happened entirely (new key works, old refused, one audit row) or not at all.
            int succeeded = 0;
            int inDoubt = 0;
            for (Member m : members) {
                long changes = keydesk.database().jdbi().withHandle(h -> h.createQuery("""
                                SELECT count(*) FROM audit_log WHERE target_user_id = :id AND event_type = 'api_key_changed'
                                  AND details->>'initial' = 'false'""")
                        .bind("id", m.user.id()).mapTo(Long.class).one());
                long activeKeys = keydesk.database().jdbi().withHandle(h -> h.createQuery(
                                "SELECT count(*) FROM api_keys WHERE user_id = :id AND revoked_at IS NULL")
                        .bind("id", m.user.id()).mapTo(Long.class).one());
                int oldKey = call(Request.get(base + "/api/v1/users/me", m.auth())).status();
                assertEquals(1, activeKeys, m.user.email());
                if (m.answer.status() == 200) {
                    succeeded++;
                    assertEquals(1, changes, m.user.email());
                    assertEquals(401, oldKey, m.user.email());
                    String fresh = JSON.readTree(m.answer.body()).get("api_key").asText();
                    assertEquals(200, call(Request.get(base + "/api/v1/users/me", Http.basic(m.user.email(), fresh))).status());
                } else {
                    assertEquals(503, m.answer.status(), m.user.email() + " " + m.answer);
                    // Refused: the change commits in one transaction and nothing follows it, so either nothing
                    // changed, or (when PostgreSQL wrote the commit but went away before acknowledging it) all of it
                    // did. Never half: an audit row without the old key refused, or the reverse.
                    if (changes == 0) {
                        assertEquals(200, oldKey, m.user.email() + ": nothing was recorded, so the old key must still work");
                    } else {
                        assertEquals(1, changes, m.user.email());
                        assertEquals(401, oldKey, m.user.email() + ": the change was recorded, so the old key must be refused");
                        inDoubt++;
                    }
                }
            }
            assertTrue(succeeded >= 1 && succeeded <= 4, succeeded + " regenerations succeeded");
            // Only the three racing the shutdown can commit without hearing back; the four sent once it is down cannot.
            assertTrue(succeeded + inDoubt <= 4, succeeded + " succeeded and " + inDoubt + " committed unacknowledged");

            assertKeyChangesFromOtherProcessesArriveAgain(keydesk, base, postgres, data, owner, ownerAuth);
        }
    }

    /** After recovery the cache listens again: a key changed by another process is refused here at once. */
    private void assertKeyChangesFromOtherProcessesArriveAgain(Keydesk keydesk, String base, PostgresControl postgres, Path data,
                                                               User owner, String ownerAuth) {
        long deadline = System.nanoTime() + RECOVERY_DEADLINE.toNanos();
        while (keydesk.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")
                .mapTo(Long.class).one()) == 0) {
            if (System.nanoTime() > deadline) fail("The key-change listener did not listen again");
            LockSupport.parkNanos(POLL.toNanos());
        }
        assertEquals(200, call(Request.get(base + "/api/v1/users/me", ownerAuth)).status()); // cached again
        Settings other = Settings.fromMap(Map.of(
                "KEYDESK_DATABASE_URL", "postgresql://postgres@localhost:" + postgres.port() + "/postgres",
                "KEYDESK_MASTER_KEY_FILE", data.resolve("master.key").toString(),
                "KEYDESK_DATA_DIR", dir.resolve("other").toString()));
        try (Services otherProcess = Services.open(other, TestKeydesk.TUNING)) {
            otherProcess.apiKeys().regenerateKey(Actor.commandLine(), owner.id());
        }
        deadline = System.nanoTime() + RECOVERY_DEADLINE.toNanos();
        while (call(Request.get(base + "/api/v1/users/me", ownerAuth)).status() != 401) {
            if (System.nanoTime() > deadline) fail("The old key still works after another process replaced it");
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /**
     * Log lines from whatever touches the database: the pool, the workers, the error handling.
     * (The outbox senders of the test run's other servers may be giving up on earlier tests' webhooks.)
     */
    private static boolean isFromDatabaseUsers(String line) {
        return List.of(" DatabaseAvailability - ", " Database - ", " ChangeListener - ", " KeyUsage - ", " KeyDeadlines - ",
                        " ErrorHandling - ", " HikariPool - ", " ProxyConnection - ", " PoolBase - ").stream().anyMatch(line::contains)
                || line.contains(" OutboxSender - ") && line.contains("database");
    }

    private static void assertApiUnavailable(Sample s, String method, String path) {
        assertEquals(503, s.status(), s.toString());
        JsonNode body = s.json();
        assertEquals("error", body.path("result").asText(), s.toString());
        assertEquals("SERVICE_UNAVAILABLE", body.path("code").asText(), s.toString());
        assertFalse(body.path("msg").asText().isBlank(), s.toString());
        assertTrue(Integer.parseInt(s.retryAfter()) > 0, s.toString());
        ApiContract.check(method, ApiContract.PREFIX + path, new Http.Response(s.status(), java.net.http.HttpHeaders.of(
                Map.of("Retry-After", List.of(s.retryAfter()), "Content-Type", List.of(s.contentType())), (a, b) -> true),
                s.body()));
    }

    /** One request, timed; a broken connection is status -1 rather than an exception. */
    private static Sample call(Request request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Sample(request.kind, start, (System.nanoTime() - start) / 1_000_000, r.statusCode(),
                    r.headers().firstValue("Content-Type").orElse(""), r.headers().firstValue("Retry-After").orElse(""),
                    r.body());
        } catch (IOException e) {
            return new Sample(request.kind, start, (System.nanoTime() - start) / 1_000_000, -1, "", "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Sample(String kind, long startNanos, long millis, int status, String contentType, String retryAfter,
                  String body) {
        Sample as(String newKind) {
            return new Sample(newKind, startNanos, millis, status, contentType, retryAfter, body);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return kind + " " + status + " in " + millis + " ms" + (retryAfter.isEmpty() ? "" : ", Retry-After " + retryAfter)
                    + ": " + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
        }
    }

    private static final class Request {
        private final HttpRequest.Builder builder;
        private final String kind;

        private Request(HttpRequest.Builder builder, String kind) {
            this.builder = builder.timeout(REQUEST_DEADLINE);
            this.kind = kind;
        }

        static Request get(String url, String authorization) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
            if (authorization != null) b.header("Authorization", authorization);
            return new Request(b, URI.create(url).getPath());
        }

        static Request postForm(String url, Map<String, String> form) {
            return new Request(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.urlencode(form))), URI.create(url).getPath());
        }

        Request cookie(String cookie) {
            builder.header("Cookie", cookie);
            return this;
        }

        HttpRequest build() {
            return builder.build();
        }
    }

    /** A member whose key is regenerated around the outage, and the answer they got. */
    private static final class Member {
        final User user;
        final String key;
        volatile Sample answer;

        Member(User user, String key) {
            this.user = user;
            this.key = key;
        }

        String auth() {
            return Http.basic(user.email(), key);
        }

        void regenerate(String base) {
            answer = call(new Request(HttpRequest.newBuilder(URI.create(base + "/api/v1/users/me/api_key/regenerate"))
                    .header("Authorization", auth()).POST(HttpRequest.BodyPublishers.noBody()), "regenerate"));
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // spread the racing ones across the shutdown
        }
    }

    /** What happened when, and what was seen while the database was away. */
    private static final class Outage {
        final long stopCalled;
        volatile long stopped;
        volatile long startCalled;
        volatile long restarted;
        volatile long recovered;
        final List<Sample> samples = new ArrayList<>();
        List<String> log = List.of();

        Outage(long stopCalled) {
            this.stopCalled = stopCalled;
        }

        long recoveryMillis() {
            return (recovered - restarted) / 1_000_000;
        }

        String summary(Load load) {
            Map<String, List<Sample>> byKind = samples.stream().collect(Collectors.groupingBy(Sample::kind));
            StringBuilder out = new StringBuilder("Database outage: stopping took " + (stopped - stopCalled) / 1_000_000
                    + " ms; recovery " + recoveryMillis() + " ms after PostgreSQL accepted connections again\n");
            byKind.forEach((kind, list) -> out.append("  ").append(kind).append(": ").append(list.size())
                    .append(" answers, statuses ").append(list.stream().map(Sample::status).distinct().sorted().toList())
                    .append(", slowest ").append(list.stream().mapToLong(Sample::millis).max().orElse(0)).append(" ms\n"));
            List<Sample> during = load.samples.stream()
                    .filter(s -> s.startNanos() > stopped && s.startNanos() < startCalled).toList();
            out.append("  load: ").append(load.samples.size()).append(" requests, ").append(during.size())
                    .append(" during the outage, slowest ").append(load.samples.stream().mapToLong(Sample::millis).max().orElse(0))
                    .append(" ms, statuses ").append(load.samples.stream().map(Sample::status).distinct().sorted().toList())
                    .append('\n');
            out.append("  log lines during the outage (request log excluded): ")
                    .append(log.stream().filter(l -> !l.contains("keydesk.requests")).count()).append('\n');
            log.stream().filter(l -> !l.contains("keydesk.requests")).limit(40).forEach(l -> out.append("    ").append(l).append('\n'));
            return out.toString();
        }
    }

    /** A few threads asking a mix of things that need the database and a cached key that does not. */
    private static final class Load implements AutoCloseable {
        final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final String base;
        private final String auth;

        Load(String base, String auth) {
            this.base = base;
            this.auth = auth;
        }

        void start(int count) {
            for (int t = 0; t < count; t++) {
                int offset = t;
                Thread thread = new Thread(() -> {
                    for (int i = 0; running.get() && i < 2_000; i++) {
                        samples.add(switch ((i + offset) % 4) {
                            case 0 -> call(Request.get(base + "/api/v1/bots", auth)).as("bots");
                            case 1 -> call(Request.get(base + "/api/v1/users/me", auth)).as("users/me");
                            case 2 -> call(Request.get(base + "/health", null)).as("health");
                            default -> call(Request.get(base + "/account", null).cookie(SESSION_COOKIE)).as("page");
                        });
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a small load, not a flood
                    }
                }, "outage-load-" + t);
                threads.add(thread);
                thread.start();
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(30_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
