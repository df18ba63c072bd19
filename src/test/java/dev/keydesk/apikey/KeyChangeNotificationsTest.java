package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A change that touches many accounts tells the other processes in one NOTIFY per transaction,
 * counted here on a connection of the test's own that LISTENs on the key-change channel, and the
 * other process still refuses every key the change revoked.
 */
@IntegrationTest
class KeyChangeNotificationsTest {
    private static final int BOTS = 300;
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User owner;
    private User admin;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        owner = Fixtures.member("hamlet@zulip.com");
    }

    @Test
    void deactivatingTheSoleOwnerOfManyBotsIsOneNotification() throws Exception {
        List<String> botKeys = createBots(owner, BOTS);
        String otherMe = keydesk.secondaryUrl() + "/api/v1/users/me";
        List<String> botEmails = botEmails(owner);
        for (int i = 0; i < BOTS; i++) {
            assertEquals(200, Http.get(otherMe, Http.basic(botEmails.get(i), botKeys.get(i))).status(), "cached there");
        }

        try (Connection listener = listen()) {
            Fixtures.deactivatePerson(admin, owner.id());
            List<String> payloads = notifications(listener);
            assertEquals(1, payloads.size(), "one notification for the owner and " + BOTS + " bots: " + payloads);
            String[] parts = payloads.get(0).split(":");
            assertEquals(BOTS + 1, parts[1].split(",").length, "naming every account it changed");
        }
        assertEquals(BOTS, Fixtures.count("SELECT count(*) FROM users WHERE is_bot AND NOT is_active"));
        for (int i = 0; i < BOTS; i++) {
            Http.Response refused = Http.get(otherMe, Http.basic(botEmails.get(i), botKeys.get(i)));
            assertEquals(401, refused.status(), "bot " + i + " refused by the other process");
            assertEquals("Account is deactivated", refused.json().get("msg").asText());
        }
    }

    @Test
    void aChangeOfMoreAccountsThanOnePayloadHoldsTellsEveryProcessToForgetEverything() throws Exception {
        // 7,900 bytes hold about a thousand ids of today's length; of 18 digits, 450 do not fit.
        Fixtures.execute("SELECT setval('users_id_seq', 100000000000000000)");
        User bigOwner = Fixtures.member("othello@zulip.com");
        List<String> botKeys = createBots(bigOwner, 450);
        List<String> botEmails = botEmails(bigOwner);
        String otherMe = keydesk.secondaryUrl() + "/api/v1/users/me";
        String adminKey = Fixtures.keyOf(admin);
        assertEquals(200, Http.get(otherMe, Http.basic(botEmails.get(0), botKeys.get(0))).status());
        assertEquals(200, Http.get(otherMe, Http.basic("iago@zulip.com", adminKey)).status());
        long cachedBefore = keydesk.secondary().services().keyCache().size();
        assertTrue(cachedBefore >= 2);

        try (Connection listener = listen()) {
            Fixtures.deactivatePerson(admin, bigOwner.id());
            List<String> payloads = notifications(listener);
            assertEquals(1, payloads.size(), payloads.toString());
            assertEquals("*", payloads.get(0).split(":")[1], "every cached key is forgotten");
        }
        assertEquals(401, Http.get(otherMe, Http.basic(botEmails.get(0), botKeys.get(0))).status());
        assertEquals(200, Http.get(otherMe, Http.basic("iago@zulip.com", adminKey)).status(), "others looked up again");
    }

    @Test
    void aRolledBackChangeSendsNothing() throws Exception {
        try (Connection listener = listen()) {
            try {
                keydesk.primary().database().jdbi().useTransaction(h -> {
                    keydesk.primary().services().keyCache().announceChange(h, owner.id());
                    throw new IllegalStateException("changed our mind");
                });
            } catch (IllegalStateException expected) {
                // rolled back
            }
            Fixtures.regenerateKey(admin);
            List<String> payloads = notifications(listener);
            assertEquals(1, payloads.size(), "only the committed change: " + payloads);
            assertEquals(Long.toString(admin.id()), payloads.get(0).split(":")[1]);
        }
    }

    private List<String> createBots(User botOwner, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(Fixtures.bot(botOwner, "Bot " + botOwner.id() + " " + i, "b" + botOwner.id() + "n" + i).apiKey());
        }
        return keys;
    }

    private static List<String> botEmails(User botOwner) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT u.email FROM users u JOIN bot_owners o ON o.bot_id = u.id
                        WHERE o.owner_id = :owner ORDER BY u.id""")
                .bind("owner", botOwner.id()).mapTo(String.class).list());
    }

    private Connection listen() throws Exception {
        Connection connection = DriverManager.getConnection(
                "jdbc:" + keydesk.databaseUrl().replace("postgres@", ""), "postgres", "");
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN " + KeyCache.CHANNEL);
        }
        return connection;
    }

    /**
     * Every notification delivered to the connection: the actions above have committed before
     * this runs, and PostgreSQL delivers a transaction's notifications at its commit, so one
     * round trip (which reads whatever arrived) after a short poll collects them all.
     */
    private static List<String> notifications(Connection connection) throws Exception {
        List<String> payloads = new ArrayList<>();
        PGConnection pg = connection.unwrap(PGConnection.class);
        for (int round = 0; round < 3; round++) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
            }
            PGNotification[] batch = pg.getNotifications(200);
            if (batch != null) for (PGNotification n : batch) payloads.add(n.getParameter());
        }
        return payloads;
    }
}
