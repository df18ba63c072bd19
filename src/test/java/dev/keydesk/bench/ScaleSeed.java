package dev.keydesk.bench;

import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.MasterKey;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.StringReader;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;

/**
 * A large organization's sizes, written set-wise into the benchmark's embedded database: 10,000 people and
 * 100,000 bots (a 110,000-user organization) with a key each, one member who alone owns 1,000
 * bots, another who alone owns 1,000 more, an administrator who owns the other 98,000, and a
 * million audit rows spread over a year. Users, owners and audit rows are INSERT … SELECT over
 * generate_series; keys (random, so made in Java and encrypted under the master key, as the
 * product stores them) go in with COPY.
 */
final class ScaleSeed {
    static final int PEOPLE = 10_000;
    static final int BOTS = 100_000;
    static final int OWN_BOTS = 1_000;
    static final int AUDIT_ROWS = 1_000_000;

    /** A bot's address and key, for filling caches and calling as the bot. */
    record BotKey(long id, String email, String key) {}

    /** What the benchmark needs to know about the seeded organization. */
    record Organization(User admin, User botOwner, User otherBotOwner, List<BotKey> adminBots) {}

    private ScaleSeed() {}

    static Organization seed(TestKeydesk keydesk) throws Exception {
        User admin = Fixtures.user("admin@scale.example", "Scale Admin", Role.ADMIN);
        User botOwner = Fixtures.user("owner@scale.example", "Bot Owner", Role.MEMBER);
        User otherBotOwner = Fixtures.user("other-owner@scale.example", "Other Bot Owner", Role.MEMBER);
        Jdbi jdbi = keydesk.primary().database().jdbi();
        KeyCipher cipher = new KeyCipher(MasterKey.loadOrCreate(keydesk.primary().services().settings().masterKeyFile()));
        String host = keydesk.primary().services().settings().externalUrl().getHost();

        List<BotKey> adminBots = new ArrayList<>();
        jdbi.useHandle(h -> {
            h.execute("SET maintenance_work_mem = '256MB'");
            // Indexes are built once after the bulk inserts, which is several times faster than row by row.
            List<String> indexes = dropIndexes(h, List.of("users", "audit_log", "api_keys", "bot_owners"));
            // The people (sharing one password hash: only the three above ever log in), then the bots.
            h.createUpdate("""
                            INSERT INTO users (email, full_name, role, password_hash, date_joined, last_login_at)
                            SELECT 'member' || lpad(g::text, 5, '0') || '@scale.example', 'Member ' || lpad(g::text, 5, '0'),
                                   CASE WHEN g % 50 = 0 THEN 200 ELSE 400 END,
                                   (SELECT password_hash FROM users WHERE id = :admin),
                                   now() - g * interval '1 hour', now() - g * interval '1 minute'
                            FROM generate_series(1, :n) g""")
                    .bind("admin", admin.id()).bind("n", PEOPLE - 3).execute();
            h.createUpdate("""
                            INSERT INTO users (email, full_name, role, is_bot, bot_type, date_joined)
                            SELECT 'scale' || lpad(g::text, 6, '0') || '-bot@' || :host, 'Scale bot ' || lpad(g::text, 6, '0'),
                                   400, true, 1 + g % 2, now() - g * interval '1 minute'
                            FROM generate_series(1, :n) g""")
                    .bind("host", host).bind("n", BOTS).execute();
            long firstBot = h.createQuery("SELECT min(id) FROM users WHERE is_bot").mapTo(Long.class).one();
            h.createUpdate("""
                            INSERT INTO bot_owners (bot_id, owner_id)
                            SELECT id, CASE WHEN id < :first + :own THEN :owner
                                            WHEN id < :first + 2 * :own THEN :other ELSE :admin END
                            FROM users WHERE is_bot""")
                    .bind("first", firstBot).bind("own", OWN_BOTS).bind("owner", botOwner.id())
                    .bind("other", otherBotOwner.id()).bind("admin", admin.id()).execute();

            copyKeys(h, cipher, firstBot + 2L * OWN_BOTS, adminBots);
            seedAudit(h, admin.id(), firstBot);
            for (String index : indexes) h.execute(index);
            // Vacuumed now, so autovacuum does not wake up to read a million new rows during the
            // measurements; and written out now, or the checkpoint that the seed's WAL sets off
            // writes the new pages in the background for minutes, while the first section runs.
            h.execute("VACUUM (ANALYZE)");
            h.execute("CHECKPOINT");
        });
        return new Organization(admin, botOwner, otherBotOwner, adminBots);
    }

    /** Drops the tables' indexes that no constraint needs; returns the statements that recreate them. */
    private static List<String> dropIndexes(Handle h, List<String> tables) {
        List<String> definitions = h.createQuery("""
                        SELECT i.indexdef FROM pg_indexes i
                        WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""")
                .bind("tables", tables.toArray(new String[0])).mapTo(String.class).list();
        h.createQuery("""
                        SELECT quote_ident(i.indexname) FROM pg_indexes i
                        WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""")
                .bind("tables", tables.toArray(new String[0])).mapTo(String.class).list()
                .forEach(name -> h.execute("DROP INDEX " + name));
        return definitions;
    }

    /** A current key for every seeded account without one, by COPY; the administrator's bots' keys are kept. */
    private static void copyKeys(Handle h, KeyCipher cipher, long firstAdminBot, List<BotKey> adminBots) throws Exception {
        record Account(long id, String email) {}
        List<Account> accounts = h.createQuery("""
                        SELECT id, email FROM users u
                        WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.user_id = u.id) ORDER BY id""")
                .map((rs, ctx) -> new Account(rs.getLong(1), rs.getString(2))).list();
        HexFormat hex = HexFormat.of();
        StringBuilder rows = new StringBuilder(accounts.size() * 200);
        for (Account account : accounts) {
            String key = ApiKeyFormat.generate();
            rows.append(account.id()).append("\t\\\\x").append(hex.formatHex(Tokens.sha256(key)))
                    .append("\t\\\\x").append(hex.formatHex(cipher.encrypt(account.id(), key))).append('\n');
            if (account.id() >= firstAdminBot) adminBots.add(new BotKey(account.id(), account.email(), key));
        }
        Connection connection = h.getConnection();
        connection.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY api_keys (user_id, digest, ciphertext) FROM STDIN", new StringReader(rows.toString()));
    }

    /** A year of audit rows: the administrator acting on bots, in a handful of event types. */
    private static void seedAudit(Handle h, long adminId, long firstBot) {
        h.createUpdate("""
                        INSERT INTO audit_log (event_type, actor_id, target_user_id, ip, details, created_at, actor_label, target_label)
                        SELECT (ARRAY['api_key_revealed', 'api_key_changed', 'bot_created', 'bot_modified', 'bot_deactivated',
                                      'user_created', 'role_changed'])[1 + g % 7],
                               :admin, :first + g % :bots, '198.51.100.' || (g % 250),
                               '{"via": "web"}'::jsonb, now() - g * interval '30 seconds',
                               'admin@scale.example', 'scale' || lpad((1 + g % :bots)::text, 6, '0') || '-bot@localhost'
                        FROM generate_series(1, :n) g""")
                .bind("admin", adminId).bind("first", firstBot).bind("bots", BOTS).bind("n", AUDIT_ROWS).execute();
    }

    /** How many keys get {@link #USAGE_DAYS} days of use, and in how many hours of each day. */
    static final int USED_KEYS = 10_000;
    static final int USAGE_DAYS = 90;
    static final int USED_HOURS_PER_DAY = 6;

    /**
     * Usage for the first {@link #USED_KEYS} bots' keys (the bot owner's thousand among them): 90
     * days in which each key is used in six hours of every day, in Keydesk's API; every tenth key is
     * also refused (forbidden) in three of those hours. Then the daily sums, as the counter would
     * have written them, and each key's last use; the other bots' keys are made old and unused.
     * Returns how many hourly rows were written.
     */
    static long seedUsage(TestKeydesk keydesk) {
        Jdbi jdbi = keydesk.primary().database().jdbi();
        return jdbi.withHandle(h -> {
            h.execute("SET maintenance_work_mem = '256MB'");
            long firstBot = h.createQuery("SELECT min(id) FROM users WHERE is_bot").mapTo(Long.class).one();
            // The first bots' keys, and every device's key (the Account & privacy page's devices).
            String usedKeys = " FROM api_keys k, generate_series(0, :days - 1) d, generate_series(0, 23) hr"
                    + " WHERE k.revoked_at IS NULL"
                    + " AND ((k.user_id BETWEEN :first AND :first + :keys - 1 AND k.kind = 'main') OR k.kind = 'device')";
            long rows = h.createUpdate("""
                            INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                            SELECT k.id, date_trunc('hour', now()) - (d * 24 + hr) * interval '1 hour', 0, 'allowed',
                                   1 + (k.id + d + hr) % 40""" + usedKeys + " AND (hr + k.id) % :every = 0")
                    .bind("days", USAGE_DAYS).bind("first", firstBot).bind("keys", USED_KEYS)
                    .bind("every", 24 / USED_HOURS_PER_DAY).execute();
            rows += h.createUpdate("""
                            INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                            SELECT k.id, date_trunc('hour', now()) - (d * 24 + hr) * interval '1 hour', 0, 'forbidden',
                                   1 + (k.id + d) % 5""" + usedKeys + " AND k.id % 10 = 0 AND (hr + k.id) % 8 = 0")
                    .bind("days", USAGE_DAYS).bind("first", firstBot).bind("keys", USED_KEYS).execute();
            // The daily sums rebuilt from every hourly row: the earlier sections' own requests were counted too.
            h.execute("DELETE FROM key_usage_daily");
            h.execute("DELETE FROM usage_daily");
            h.execute("""
                    INSERT INTO key_usage_daily (key_id, day, service_id, outcome, count)
                    SELECT key_id, (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
                    FROM key_usage_hourly GROUP BY 1, 2, 3, 4""");
            h.execute("""
                    INSERT INTO usage_daily (day, service_id, outcome, count)
                    SELECT (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
                    FROM key_usage_hourly GROUP BY 1, 2, 3""");
            h.createUpdate("""
                            UPDATE api_keys SET last_used_at = date_trunc('hour', now()) - (id % 4) * interval '1 hour'
                            WHERE user_id BETWEEN :first AND :first + :keys - 1 AND kind = 'main' AND revoked_at IS NULL""")
                    .bind("first", firstBot).bind("keys", USED_KEYS).execute();
            // The other 90,000 bots' keys were made 200 days ago and never used: the Usage page's idle keys.
            h.createUpdate("UPDATE api_keys SET created_at = now() - interval '200 days' WHERE user_id >= :first + :keys AND kind = 'main'")
                    .bind("first", firstBot).bind("keys", USED_KEYS).execute();
            // As autovacuum would soon after these bulk changes; users too, whose day of key activity they moved.
            h.execute("VACUUM (ANALYZE) key_usage_hourly, key_usage_daily, usage_daily, api_keys, users");
            h.execute("CHECKPOINT");
            return rows;
        });
    }
}
