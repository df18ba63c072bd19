package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.Keydesk;
import dev.keydesk.Services;
import dev.keydesk.audit.Actor;
import dev.keydesk.config.Settings;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.PostgresControl;
import dev.keydesk.support.StderrCapture;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While the database is away, the shared rate limits fail open to each process counting alone:
 * forward-auth keeps answering cached keys (no 503), each process admits a key up to the whole
 * limit, and the limits are shared again once the database is back. Two Keydesks on an embedded
 * PostgreSQL of the test's own, which it stops; their clock stands still, so one window lasts.
 */
@IntegrationTest
class RateLimitOutageTest {
    private static final int LIMIT = 10;

    @TempDir
    Path dir;

    @Test
    void withoutTheDatabaseEachProcessCountsAloneAgainstTheWholeLimit() throws Exception {
        Path data = dir.resolve("data");
        var tuning = TestKeydesk.TUNING.withClock(Clock.fixed(Instant.parse("2026-06-01T12:00:10Z"), ZoneOffset.UTC),
                Duration.ofSeconds(30));
        try (Keydesk first = Keydesk.start(Settings.fromMap(Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR",
                data.toString())), tuning);
             Keydesk second = Keydesk.start(Settings.fromMap(Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR",
                     data.toString(), "KEYDESK_DATABASE_URL", "postgresql://postgres@localhost:"
                     + Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(3).trim() + "/postgres")), tuning)) {
            Services services = first.services();
            User owner = services.organizations().createUserFromCommandLine("Outage Org", "owner@zulip.com", "Owner",
                    Role.OWNER, Fixtures.PASSWORD).user();
            String key = services.apiKeys().revealKey(Actor.commandLine(), owner.id(), "test");
            String token = services.guard().register(Actor.commandLine(),
                    new GuardActions.Spec("Grafana", "", Access.EVERYONE, LIMIT)).token();
            Supplier<Integer> askFirst = () -> ask(first, token, key);
            Supplier<Integer> askSecond = () -> ask(second, token, key);

            // Shared: three through each process, and the limit holds for both together.
            for (int i = 0; i < 3; i++) {
                assertEquals(200, askFirst.get());
                assertEquals(200, askSecond.get());
            }
            List<Integer> shared = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                shared.add(askFirst.get());
                shared.add(askSecond.get());
            }
            long sharedAdmitted = shared.stream().filter(s -> s == 200).count();
            // What each process admits before its first exchange about a key may overrun the limit by one each.
            assertEquals(true, sharedAdmitted >= LIMIT - 6 && sharedAdmitted <= LIMIT - 6 + 2, "shared: " + shared);
            long admittedBefore = 6 + sharedAdmitted;

            PostgresControl postgres = PostgresControl.running(data.resolve("postgres"));
            try (StderrCapture log = new StderrCapture()) {
                postgres.stop();
                awaitLines(log, "Rate limits are counted by this process alone", 2);
                // Each process now admits the key up to the whole limit, counting what it admitted before.
                long admittedAlone = 0;
                for (Supplier<Integer> ask : List.of(askFirst, askSecond)) {
                    List<Integer> alone = new ArrayList<>();
                    for (int i = 0; i < LIMIT + 2; i++) alone.add(ask.get());
                    long admitted = alone.stream().filter(s -> s == 200).count();
                    assertEquals(alone.size() - admitted, alone.stream().filter(s -> s == 429).count(),
                            "only 200 and 429, never 503, for a cached key: " + alone);
                    admittedAlone += admitted;
                }
                assertEquals(2 * LIMIT, admittedBefore + admittedAlone, "two processes alone admit twice the limit");
                postgres.start();
                awaitLines(log, "Rate limits are shared with the other Keydesk processes again", 2);
            }
            // Back to sharing: the window's limit is used up between them, and stays so.
            assertEquals(429, askFirst.get());
            assertEquals(429, askSecond.get());
        }
    }

    private static void awaitLines(StderrCapture log, String text, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (log.lines().stream().filter(line -> line.contains(text)).count() < count) {
            if (System.nanoTime() > deadline) throw new AssertionError("no " + count + " lines \"" + text + "\" within 30 s:\n" + log.text());
            Thread.sleep(10);
        }
    }

    private static int ask(Keydesk keydesk, String token, String key) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + keydesk.port() + "/forward-auth"))
                .header(ForwardAuthRoutes.SERVICE_TOKEN_HEADER, token).header("X-Api-Key", key).GET().build()).status();
    }
}
