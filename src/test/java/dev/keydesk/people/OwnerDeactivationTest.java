package dev.keydesk.people;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.MasterKey;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import io.micrometer.core.instrument.DistributionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deactivating a person blocks the bots nobody active would own any more, each with its own
 * audit row and its webhook call, in a number of SQL statements that does not grow with the
 * number of bots (Zulip's DELETE /users/{id}, counted by the server's per-request meter).
 */
@IntegrationTest
class OwnerDeactivationTest {
    private static final String ROUTE = "/api/v1/users/{user_id}";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String adminAuth;
    private KeyCipher cipher;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        adminAuth = Http.basic("iago@zulip.com", Fixtures.keyOf(admin));
        // The first call looks the key up; after it, every request below costs only its own work.
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", adminAuth).status());
        cipher = new KeyCipher(MasterKey.loadOrCreate(keydesk.primary().services().settings().masterKeyFile()));
    }

    @Test
    void theSoleOwnersBotsAreBlockedEachWithItsAuditRowAndWebhookInAFixedNumberOfStatements() throws Exception {
        User few = Fixtures.member("hamlet@zulip.com");
        createBots(few, 3, 1);
        double statementsForFew = deactivate(few);

        User many = Fixtures.member("othello@zulip.com");
        User coOwner = Fixtures.member("desdemona@zulip.com");
        List<Long> sole = createBots(many, 40, 10);
        long shared = createBots(many, 1, 0).get(0);
        keydesk.primary().database().jdbi().useHandle(h -> h.execute(
                "INSERT INTO bot_owners (bot_id, owner_id) VALUES (?, ?)", shared, coOwner.id()));
        long alreadyBlocked = createBots(many, 1, 0).get(0);
        Fixtures.deactivateBot(alreadyBlocked);
        long auditBefore = Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'");

        double statementsForMany = deactivate(many);

        assertEquals(statementsForFew, statementsForMany, "the same statements for 3 bots as for 40");
        assertEquals(40, Fixtures.count("SELECT count(*) FROM users WHERE id IN (" + ids(sole) + ") AND NOT is_active"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE id = " + shared + " AND is_active"),
                "a bot someone active still owns stays");
        assertEquals(auditBefore + 40, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'"));
        assertEquals(40, Fixtures.count("""
                SELECT count(DISTINCT a.target_user_id) FROM audit_log a JOIN users u ON u.id = a.target_user_id
                WHERE a.event_type = 'bot_deactivated' AND a.target_label = u.email AND a.target_user_id IN (""" + ids(sole) + ")"),
                "a row of its own for each bot, naming it");
        assertEquals(10, Fixtures.count("SELECT count(*) FROM outbox WHERE event = 'key.blocked' AND bot_id IN (" + ids(sole) + ")"),
                "one webhook call per bot with a Webhook URL");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated' AND target_user_id = "
                + alreadyBlocked + " AND id > (SELECT min(id) FROM audit_log WHERE event_type = 'bot_deactivated' AND target_user_id = "
                + alreadyBlocked + ")"), "a bot blocked before is not blocked again");
    }

    /** Deactivates through the API; returns the SQL statements the request ran. */
    private double deactivate(User person) throws Exception {
        DistributionSummary statements = keydesk.primary().services().metrics().requestStatements(ROUTE, "DELETE");
        long requests = statements.count();
        double before = statements.totalAmount();
        Http.Response r = Http.raw("DELETE", keydesk.baseUrl() + "/api/v1/users/" + person.id(),
                "application/x-www-form-urlencoded", new byte[0], Map.of("Authorization", adminAuth));
        assertEquals(200, r.status(), r.body());
        long deadline = System.nanoTime() + 30_000_000_000L; // the meter is written just after the answer
        while (statements.count() <= requests && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(requests + 1, statements.count());
        return statements.totalAmount() - before;
    }

    /** {@code n} bots of {@code owner}, the first {@code withWebhook} of them with a Webhook URL. */
    private List<Long> createBots(User owner, int n, int withWebhook) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "Bot " + owner.id() + " " + Fixtures.count("SELECT count(*) FROM users");
            long id = Fixtures.bot(owner, name, "b" + name.replace(" ", "-")).bot().id();
            if (i < withWebhook) {
                // Straight into the table: the address is never called here, only queued.
                keydesk.primary().database().jdbi().useHandle(h -> h.execute(
                        "INSERT INTO bot_services (bot_id, payload_url, interface_type, token_ciphertext) VALUES (?, ?, 1, ?)",
                        id, "https://hooks.example/" + id, cipher.encrypt(KeyCipher.Purpose.BOT_TOKEN, id, "token-" + id)));
            }
            ids.add(id);
        }
        return ids;
    }

    private static String ids(List<Long> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }
}
