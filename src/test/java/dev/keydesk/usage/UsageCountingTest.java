package dev.keydesk.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.Keydesk;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.bot.BotActions;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import io.micrometer.core.instrument.DistributionSummary;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Usage counted by two Keydesk processes on one database adds up exactly: every request sent is
 * in the hourly table once, by key, where and outcome, after both stopped gracefully. Counting
 * costs a cached key no SQL statement.
 */
@IntegrationTest
class UsageCountingTest {
    private static final int ROUNDS = 25;
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void twoProcessesCountingTheSameKeysAddUpExactlyAfterAGracefulStop() {
        keydesk.reset();
        User hamlet = Fixtures.member("hamlet@zulip.com");
        String key = Fixtures.keyOf(hamlet);
        BotActions.Created blocked = Fixtures.bot(hamlet, "Reporter");
        Fixtures.deactivateBot(blocked.bot().id());
        GuardActions.Registered service = Fixtures.service("Grafana", Access.EVERYONE);
        long serviceId = service.service().id();
        String token = service.token();
        String unknown = ApiKeyFormat.generate();
        long keyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + hamlet.id());
        long botKeyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + blocked.bot().id());

        Keydesk first = keydesk.startSeparate(Map.of());
        Keydesk second = keydesk.startSeparate(Map.of());
        try {
            DistributionSummary statements = first.services().metrics().requestStatements("/api/v1/users/me", "GET");
            for (Keydesk process : new Keydesk[] {first, second}) {
                String base = "http://localhost:" + process.port();
                for (int i = 0; i < ROUNDS; i++) {
                    assertEquals(200, Http.get(base + "/api/v1/users/me", Http.basic("hamlet@zulip.com", key)).status());
                    assertEquals(401, Http.get(base + "/api/v1/users/me", Http.basic("hamlet@zulip.com", unknown)).status());
                    assertEquals(200, forwardAuth(base, token, key).status());
                    assertEquals(200, forwardAuth(base, token, key).status());
                    assertEquals(401, forwardAuth(base, token, unknown).status());
                    assertEquals(401, forwardAuth(base, token, blocked.apiKey()).status());
                }
            }
            // The answered users/me calls on the first process (refusals are measured apart): the
            // key's one lookup, then nothing for the other calls: counting costs no statement.
            Wait.until(Duration.ofSeconds(30), () -> statements.count() == ROUNDS,
                    () -> statements.count() + " users/me calls measured, not " + ROUNDS);
            assertEquals(1.0, statements.totalAmount(), "one lookup for the key, then none");
        } finally {
            first.close();
            second.close();
        }

        Map<String, Long> expected = new TreeMap<>(Map.of(
                keyId + " api allowed", 2L * ROUNDS,
                "0 api invalid", 2L * ROUNDS,
                keyId + " service allowed", 4L * ROUNDS,
                "0 service invalid", 2L * ROUNDS,
                botKeyId + " service deactivated", 2L * ROUNDS));
        assertEquals(expected, counted(serviceId));
        assertEquals(expected, counted(serviceId, "key_usage_daily"), "each key's daily sums add up to the same");
        assertEquals(withoutKeys(expected), organizationCounted(serviceId), "and so do the organization's");
    }

    /**
     * Each refusal is counted under its reason: an access rule or the endpoint's role (forbidden),
     * a service's per-key limit (rate_limited), a key past its expiry (expired), on the service
     * or on Keydesk's own API.
     */
    @Test
    void eachOutcomeIsCountedUnderItsReason() {
        keydesk.reset();
        User guest = Fixtures.user("guest@zulip.com", "Guest", Role.GUEST);
        User hamlet = Fixtures.member("hamlet@zulip.com");
        String guestKey = Fixtures.keyOf(guest);
        BotActions.Created bot = Fixtures.bot(hamlet, "Reporter");
        GuardActions.Registered adminsOnly = Fixtures.service("Admin Panel", "", Access.ADMINS, null);
        GuardActions.Registered limited = Fixtures.service("Reports", "", Access.EVERYONE, 1);
        long guestKeyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + guest.id());
        long botKeyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + bot.bot().id());
        String base = keydesk.baseUrl();

        assertEquals(403, forwardAuth(base, adminsOnly.token(), guestKey).status());
        assertEquals(200, forwardAuth(base, limited.token(), guestKey).status());
        assertEquals(429, forwardAuth(base, limited.token(), guestKey).status());
        // GET /bots is for people who are not guests: the key is valid, the endpoint's role refuses it.
        assertEquals(400, Http.get(base + "/api/v1/bots", Http.basic(guest.email(), guestKey)).status());
        Fixtures.setBotKeyExpiry(bot.bot().id(), TestKeydesk.CLOCK.instant().plus(Duration.ofHours(1)));
        TestKeydesk.CLOCK.advance(Duration.ofHours(2));
        String botEmail = emailOf(bot.bot().id());
        assertEquals(401, Http.get(base + "/api/v1/users/me", Http.basic(botEmail, bot.apiKey())).status());
        assertEquals(401, forwardAuth(base, limited.token(), bot.apiKey()).status());
        keydesk.primary().services().usageCounter().flush();

        long limitedId = limited.service().id();
        long adminsId = adminsOnly.service().id();
        Map<String, Long> rows = new TreeMap<>();
        keydesk.primary().database().jdbi().useHandle(h -> h.createQuery("""
                        SELECT key_id, service_id, outcome, sum(count) AS n FROM key_usage_hourly
                        GROUP BY key_id, service_id, outcome""")
                .map((rs, ctx) -> Map.entry(rs.getLong("key_id") + " " + rs.getLong("service_id") + " " + rs.getString("outcome"),
                        rs.getLong("n")))
                .forEach(e -> rows.put(e.getKey(), e.getValue())));
        assertEquals(new TreeMap<>(Map.of(
                guestKeyId + " " + adminsId + " forbidden", 1L,
                guestKeyId + " " + limitedId + " allowed", 1L,
                guestKeyId + " " + limitedId + " rate_limited", 1L,
                guestKeyId + " 0 forbidden", 1L,
                botKeyId + " 0 expired", 1L,
                botKeyId + " " + limitedId + " expired", 1L)), rows);
    }

    private String emailOf(long userId) {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("SELECT email FROM users WHERE id = :id")
                .bind("id", userId).mapTo(String.class).one());
    }

    /** The table's sums as "key where outcome" (key 0: no key; where: the API or the test's service). */
    private static Map<String, Long> counted(long serviceId) {
        return counted(serviceId, "key_usage_hourly");
    }

    /** The same sums from {@code table}: the hourly rows or their daily sums per key. */
    private static Map<String, Long> counted(long serviceId, String table) {
        Map<String, Long> rows = new TreeMap<>();
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> h.createQuery("""
                        SELECT key_id, service_id, outcome, sum(count) AS n FROM %s
                        GROUP BY key_id, service_id, outcome""".formatted(table))
                .map((rs, ctx) -> Map.entry(rs.getLong("key_id") + " "
                        + (rs.getLong("service_id") == 0 ? "api" : rs.getLong("service_id") == serviceId ? "service" : "other")
                        + " " + rs.getString("outcome"), rs.getLong("n")))
                .forEach(e -> rows.put(e.getKey(), e.getValue())));
        return rows;
    }

    /** The organization's daily sums as "where outcome". */
    private static Map<String, Long> organizationCounted(long serviceId) {
        Map<String, Long> rows = new TreeMap<>();
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> h.createQuery("""
                        SELECT service_id, outcome, sum(count) AS n FROM usage_daily GROUP BY service_id, outcome""")
                .map((rs, ctx) -> Map.entry((rs.getLong("service_id") == 0 ? "api" : rs.getLong("service_id") == serviceId ? "service" : "other")
                        + " " + rs.getString("outcome"), rs.getLong("n")))
                .forEach(e -> rows.put(e.getKey(), e.getValue())));
        return rows;
    }

    /** {@code perKey}'s sums without the key: what the organization's daily sums must hold. */
    private static Map<String, Long> withoutKeys(Map<String, Long> perKey) {
        Map<String, Long> rows = new TreeMap<>();
        perKey.forEach((k, n) -> rows.merge(k.substring(k.indexOf(' ') + 1), n, Long::sum));
        return rows;
    }

    private static Http.Response forwardAuth(String base, String serviceToken, String apiKey) {
        return Http.send(HttpRequest.newBuilder(URI.create(base + "/forward-auth"))
                .header("X-Keydesk-Service-Token", serviceToken).header("X-Api-Key", apiKey).GET().build());
    }
}
