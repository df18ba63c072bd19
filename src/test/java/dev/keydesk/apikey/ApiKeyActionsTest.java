package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.audit.Actor;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.UnitDatabase;
import dev.keydesk.support.UnitServices;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issuing, replacing and revealing keys inside a transaction that is rolled back afterwards. */
class ApiKeyActionsTest {
    private final UnitServices services = new UnitServices();
    private final ApiKeyActions apiKeys = services.apiKeys();

    @AfterEach
    void nothingWasCommitted() {
        assertEquals(0, UnitDatabase.committedCount("api_keys"));
        assertEquals(0, UnitDatabase.committedCount("audit_log"));
    }

    /** An account without a key, inserted directly so that only the action under test writes keys. */
    private static long person(Handle h, String email) {
        return h.attach(UserDao.class).insertHuman(email, "Person " + email, Role.MEMBER.code(), null);
    }

    private static List<Map<String, Object>> keys(Handle h, long userId) {
        return h.createQuery("SELECT digest, ciphertext, revoked_at FROM api_keys WHERE user_id = :id ORDER BY id")
                .bind("id", userId).mapToMap().list();
    }

    private static List<String> audit(Handle h, long userId) {
        return h.createQuery("""
                        SELECT event_type || ' ' || (details - 'via')::text FROM audit_log
                        WHERE target_user_id = :id ORDER BY id""")
                .bind("id", userId).mapTo(String.class).list();
    }

    @Test
    void aFirstKeyIsStoredAsDigestAndCiphertextOnly() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            String key = apiKeys.replaceKey(h, Actor.commandLine(), id);

            assertTrue(ApiKeyFormat.isWellFormed(key), key);
            Map<String, Object> row = keys(h, id).get(0);
            assertArrayEquals(Tokens.sha256(key), (byte[]) row.get("digest"));
            assertEquals(key, services.cipher().decrypt(id, (byte[]) row.get("ciphertext")));
            assertNull(row.get("revoked_at"));
            assertEquals(List.of("api_key_changed {\"initial\": true}"), audit(h, id));
            assertEquals(List.of(), services.replacedKeys(), "a first key replaces nothing");
        });
    }

    @Test
    void replacingRetiresTheOldKeyAndTellsTheListener() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            String first = apiKeys.replaceKey(h, Actor.commandLine(), id);
            String second = apiKeys.replaceKey(h, Actor.api(id, "192.0.2.1"), id);

            assertNotEquals(first, second);
            List<Map<String, Object>> rows = keys(h, id);
            assertEquals(2, rows.size());
            assertArrayEquals(Tokens.sha256(first), (byte[]) rows.get(0).get("digest"), "the old digest stays for history");
            assertNull(rows.get(0).get("ciphertext"), "a retired key can never be shown again");
            assertNotNull(rows.get(0).get("revoked_at"));
            assertNull(rows.get(1).get("revoked_at"));
            assertEquals(List.of("api_key_changed {\"initial\": true}", "api_key_changed {\"initial\": false}"), audit(h, id));
            assertEquals(List.of(id), services.replacedKeys());
        });
    }

    @Test
    void replacingLogsOutTheKeysDevices() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            long other = person(h, "cordelia@zulip.com");
            apiKeys.replaceKey(h, Actor.commandLine(), id);
            TestDevices.logIn(h, id, "ZulipMobile", "ZulipMobile/27", "192.0.2.1", Tokens.sha256("k1"));
            TestDevices.logIn(h, id, "ZulipTerminal", "ZulipTerminal/0.7", "192.0.2.1", Tokens.sha256("k2"));
            TestDevices.logIn(h, other, "ZulipMobile", "ZulipMobile/27", "192.0.2.2", Tokens.sha256("k3"));

            apiKeys.replaceKey(h, Actor.commandLine(), id);

            assertEquals(List.of(), h.attach(DeviceDao.class).listForUser(id));
            assertEquals(1L, h.createQuery("SELECT count(*) FROM api_keys WHERE user_id = :id AND revoked_at IS NULL")
                    .bind("id", id).mapTo(Long.class).one(), "only the new main key works");
            assertEquals(1, h.attach(DeviceDao.class).listForUser(other).size(), "other people's devices stay");
            List<String> rows = audit(h, id);
            assertEquals("devices_logged_out {\"devices\": 2}", rows.get(rows.size() - 1), "after the new key's row");
        });
    }

    @Test
    void revealingDecryptsTheCurrentKeyAndRecordsWhy() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            String key = apiKeys.replaceKey(h, Actor.commandLine(), id);
            assertEquals(key, apiKeys.revealKey(h, Actor.user(id, "192.0.2.1"), id, "zuliprc"));
            assertEquals("api_key_revealed {\"purpose\": \"zuliprc\"}", audit(h, id).get(1));
        });
    }

    @Test
    void revealingTheKeyOfAnAccountWithoutOneFails() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            assertThrows(IllegalStateException.class, () -> apiKeys.revealKey(h, Actor.commandLine(), id, "display"));
            assertEquals(List.of(), audit(h, id), "nothing was revealed, so nothing is recorded");
        });
    }

    @Test
    void aReplacementThatRollsBackLeavesCachedKeysAlone() {
        UnitDatabase.rolledBack(h -> {
            long id = person(h, "hamlet@zulip.com");
            User user = h.attach(UserDao.class).findById(id).orElseThrow();
            KeyCache cache = services.keyCache();
            cache.put("digest", new KeyOwner(1, user, null), cache.generation());
            apiKeys.replaceKey(h, Actor.commandLine(), id);
            assertEquals(user, cache.get("digest").user(), "the cache forgets only when the change commits");
        });
    }
}
