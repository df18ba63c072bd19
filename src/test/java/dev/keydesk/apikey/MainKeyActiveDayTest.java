package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.bot.Bot;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each account's day of main-key activity (the Keys console's idle filters rule busy bots out
 * by it): the day its current main key was created or last used, whoever writes the key's dates,
 * and written by the usage writer without ever waiting for an account while it holds a key.
 */
@IntegrationTest
class MainKeyActiveDayTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private Jdbi jdbi;
    private User owner;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        jdbi = keydesk.primary().database().jdbi();
        owner = Fixtures.member("cordelia@zulip.com");
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    private LocalDate activeOn(long userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT main_key_active_on FROM users WHERE id = :id")
                .bind("id", userId).mapTo(LocalDate.class).one());
    }

    /** The UTC day the account's current main key was created (not today's date: a test may run across midnight). */
    private LocalDate currentKeyCreatedOn(long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT (created_at AT TIME ZONE 'UTC')::date FROM api_keys
                        WHERE kind = 'main' AND revoked_at IS NULL AND user_id = :id""")
                .bind("id", userId).mapTo(LocalDate.class).one());
    }

    private static String currentKey(Bot bot) {
        return "kind = 'main' AND revoked_at IS NULL AND user_id = " + bot.id();
    }

    @Test
    void theDayFollowsTheCurrentKeysCreationAndLastUseWhoeverWritesThem() {
        Bot bot = Fixtures.bot(owner, "Day Bot").bot();
        assertEquals(currentKeyCreatedOn(bot.id()), activeOn(bot.id()), "a new key is active on the day it is created");

        Fixtures.execute("UPDATE api_keys SET created_at = '2026-01-10T12:00:00Z', last_used_at = NULL WHERE " + currentKey(bot));
        assertEquals(LocalDate.of(2026, 1, 10), activeOn(bot.id()), "a date written back in time moves the day back too");
        Fixtures.execute("UPDATE api_keys SET last_used_at = '2026-03-02T23:59:59Z' WHERE " + currentKey(bot));
        assertEquals(LocalDate.of(2026, 3, 2), activeOn(bot.id()), "the day is UTC's");
        Fixtures.execute("UPDATE api_keys SET last_used_at = '2026-03-03T00:00:00Z' WHERE " + currentKey(bot));
        assertEquals(LocalDate.of(2026, 3, 3), activeOn(bot.id()));

        Fixtures.regenerateBotKey(bot.id(), Duration.ofHours(1));
        assertEquals(currentKeyCreatedOn(bot.id()), activeOn(bot.id()), "a new key starts the day over");
        Fixtures.execute("UPDATE api_keys SET created_at = '2026-02-01T08:00:00Z' WHERE " + currentKey(bot));
        Fixtures.execute("UPDATE api_keys SET last_used_at = '2026-04-01T08:00:00Z' WHERE kind = 'retiring' AND user_id = " + bot.id());
        assertEquals(LocalDate.of(2026, 2, 1), activeOn(bot.id()), "the old key in its grace period is not the bot's main key");

        User person = Fixtures.member("hamlet@zulip.com");
        Fixtures.deviceKey(person, "ZulipMobile", "ZulipMobile/27", "10.0.0.7");
        // A later day than any key of the account was made on, so that counting it would show.
        Fixtures.execute("UPDATE api_keys SET last_used_at = '2099-05-05T08:00:00Z' WHERE kind = 'device' AND user_id = " + person.id());
        assertEquals(currentKeyCreatedOn(person.id()), activeOn(person.id()), "a device's key is not the account's main key either");
    }

    @Test
    void theUsageWriterMarksTheDayBeforeTheKeySoItNeverWaitsForAnAccountWhileHoldingAKey() throws Exception {
        Bot bot = Fixtures.bot(owner, "Busy Bot").bot();
        Fixtures.execute("UPDATE api_keys SET created_at = '2026-01-10T12:00:00Z', last_used_at = NULL WHERE " + currentKey(bot));
        record Key(long id, String digestHex) {}
        Key key = jdbi.withHandle(h -> h.createQuery("SELECT id, encode(digest, 'hex') AS hex FROM api_keys WHERE " + currentKey(bot))
                .map((rs, ctx) -> new Key(rs.getLong("id"), rs.getString("hex"))).one());
        Instant now = Instant.parse("2026-06-15T09:30:00Z");
        KeyUsage usage = new KeyUsage(jdbi, Clock.fixed(now, ZoneOffset.UTC));
        try (Handle other = jdbi.open()) {
            usage.recordUse(key.digestHex(), new KeyOwner(key.id(), null, owner.id()), "10.0.0.9");
            // Another transaction holds the account, as an action changing the bot does, and will change its key next.
            other.begin();
            other.createQuery("SELECT id FROM users WHERE id = :id FOR UPDATE").bind("id", bot.id()).mapTo(Long.class).one();
            Future<?> flushed = pool.submit(usage::flush);
            waitUntilTheWriterWaits();
            // Were the key held by the writer, this would wait on it while the writer waits on the account: a deadlock.
            other.createUpdate("UPDATE api_keys SET expires_at = '2027-01-01T00:00:00Z' WHERE id = :id").bind("id", key.id()).execute();
            other.commit();
            flushed.get(20, TimeUnit.SECONDS);
        } finally {
            usage.close();
        }
        assertEquals(now, jdbi.withHandle(h -> h.createQuery("SELECT last_used_at FROM api_keys WHERE id = :id")
                .bind("id", key.id()).mapTo(Instant.class).one()), "the use is written once the account is free");
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), jdbi.withHandle(h -> h.createQuery(
                "SELECT expires_at FROM api_keys WHERE id = :id").bind("id", key.id()).mapTo(Instant.class).one()),
                "and the other transaction's change stands");
        assertEquals(LocalDate.of(2026, 6, 15), activeOn(bot.id()));
    }

    /** Until the usage writer waits for a lock: the account's, as the other transaction holds nothing else yet. */
    private void waitUntilTheWriterWaits() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // a correctness deadline, not a timing
        while (System.nanoTime() < deadline) {
            long waiting = Fixtures.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND datname = current_database() AND pid <> pg_backend_pid()");
            if (waiting > 0) return;
            Thread.sleep(10);
        }
        throw new AssertionError("the usage writer never waited for the account");
    }
}
