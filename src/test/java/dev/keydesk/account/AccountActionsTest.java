package dev.keydesk.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.audit.Actor;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.security.Tokens;
import dev.keydesk.session.SessionDao;
import dev.keydesk.support.UnitDatabase;
import dev.keydesk.support.UnitServices;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Creating and deactivating accounts inside a transaction that is rolled back afterwards. */
class AccountActionsTest {
    private static final String PASSWORD = "correct horse battery";

    private final UnitServices services = new UnitServices();
    private final AccountActions accounts = services.accounts();

    @AfterEach
    void nothingWasCommitted() {
        assertEquals(0, UnitDatabase.committedCount("users"));
        assertEquals(0, UnitDatabase.committedCount("audit_log"));
    }

    private static List<String> auditEvents(Handle h, long targetUserId) {
        return h.createQuery("SELECT event_type FROM audit_log WHERE target_user_id = :id ORDER BY id")
                .bind("id", targetUserId).mapTo(String.class).list();
    }

    @Test
    void anAccountFromTheCommandLineIsCreatedByItself() {
        UnitDatabase.rolledBack(h -> {
            User user = accounts.createHuman(h, Actor.commandLine(), " Hamlet@Zulip.com ", " King Hamlet ", Role.OWNER,
                    PASSWORD);
            assertEquals("Hamlet@Zulip.com", user.email());
            assertEquals("King Hamlet", user.fullName());
            assertEquals(Role.OWNER.code(), user.role());
            assertTrue(user.isActive());
            assertFalse(user.isBot());

            String hash = h.createQuery("SELECT password_hash FROM users WHERE id = :id").bind("id", user.id())
                    .mapTo(String.class).one();
            assertTrue(hash.startsWith("$argon2id$"), hash);
            assertTrue(services.hasher().verify(hash, PASSWORD));

            assertEquals(List.of("user_created", "api_key_changed"), auditEvents(h, user.id()));
            Map<String, Object> created = h.createQuery("""
                            SELECT actor_id, actor_label, target_label, details->>'email' AS email,
                                   (details->>'role')::int AS role, details->>'via' AS via
                            FROM audit_log WHERE event_type = 'user_created'""")
                    .mapToMap().one();
            assertEquals(user.id(), created.get("actor_id"), "the new account stands in for the command line");
            assertEquals("Hamlet@Zulip.com", created.get("actor_label"));
            assertEquals("Hamlet@Zulip.com", created.get("target_label"));
            assertEquals("Hamlet@Zulip.com", created.get("email"));
            assertEquals(100, created.get("role"));
            assertEquals("command line", created.get("via"));
        });
    }

    @Test
    void aNewAccountGetsItsFirstKeyAtOnce() {
        UnitDatabase.rolledBack(h -> {
            User user = accounts.createHuman(h, Actor.commandLine(), "hamlet@zulip.com", "King Hamlet", Role.MEMBER,
                    PASSWORD);
            assertEquals(1L, h.createQuery("SELECT count(*) FROM api_keys WHERE user_id = :id AND revoked_at IS NULL")
                    .bind("id", user.id()).mapTo(Long.class).one());
            assertEquals("true", h.createQuery("SELECT details->>'initial' FROM audit_log WHERE event_type = 'api_key_changed'")
                    .mapTo(String.class).one());
        });
    }

    @Test
    void anAdministratorIsRecordedAsTheCreator() {
        UnitDatabase.rolledBack(h -> {
            User admin = accounts.createHuman(h, Actor.commandLine(), "iago@zulip.com", "Iago", Role.ADMIN, PASSWORD);
            User member = accounts.createHuman(h, Actor.user(admin.id(), "192.0.2.1"), "cordelia@zulip.com", "Cordelia",
                    Role.MEMBER, PASSWORD);
            Map<String, Object> row = h.createQuery("""
                            SELECT actor_id, actor_label, ip, details->>'via' AS via FROM audit_log
                            WHERE event_type = 'user_created' AND target_user_id = :id""")
                    .bind("id", member.id()).mapToMap().one();
            assertEquals(Map.of("actor_id", admin.id(), "actor_label", "iago@zulip.com", "ip", "192.0.2.1", "via", "web"),
                    row);
        });
    }

    @Test
    void aSecondAccountWithTheSameAddressInAnyCaseIsRefused() {
        UnitDatabase.rolledBack(h -> {
            accounts.createHuman(h, Actor.commandLine(), "hamlet@zulip.com", "King Hamlet", Role.MEMBER, PASSWORD);
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> accounts.createHuman(h,
                    Actor.commandLine(), "HAMLET@zulip.com", "Another Hamlet", Role.MEMBER, PASSWORD));
            assertEquals("An account with this e-mail address already exists.", e.getMessage());
            assertEquals(1L, h.createQuery("SELECT count(*) FROM users").mapTo(Long.class).one());
        });
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWritten() {
        UnitDatabase.rolledBack(h -> {
            assertThrows(InvalidInputException.class, () -> accounts.createHuman(h, Actor.commandLine(), "not an address",
                    "Hamlet", Role.MEMBER, PASSWORD));
            assertThrows(InvalidInputException.class, () -> accounts.createHuman(h, Actor.commandLine(),
                    "hamlet@zulip.com", "Hamlet\u0000", Role.MEMBER, PASSWORD));
            assertThrows(InvalidInputException.class, () -> accounts.createHuman(h, Actor.commandLine(),
                    "hamlet@zulip.com", "Hamlet", Role.MEMBER, "short"));
            assertEquals(0L, h.createQuery("SELECT count(*) FROM users").mapTo(Long.class).one());
            assertEquals(0L, h.createQuery("SELECT count(*) FROM audit_log").mapTo(Long.class).one());
        });
    }

    @Test
    void deactivationEndsSessionsKeepsTheKeyAndIsAudited() {
        UnitDatabase.rolledBack(h -> {
            User user = accounts.createHuman(h, Actor.commandLine(), "hamlet@zulip.com", "King Hamlet", Role.MEMBER,
                    PASSWORD);
            SessionDao sessions = h.attach(SessionDao.class);
            sessions.insert(Tokens.sha256("one"), user.id(), "192.0.2.1", "Firefox", java.time.Instant.now());
            sessions.insert(Tokens.sha256("two"), user.id(), "192.0.2.2", "Chrome", java.time.Instant.now());

            accounts.deactivate(h, Actor.commandLine(), user.id());

            assertFalse(h.createQuery("SELECT is_active FROM users WHERE id = :id").bind("id", user.id())
                    .mapTo(Boolean.class).one());
            assertEquals(0L, h.createQuery("SELECT count(*) FROM sessions").mapTo(Long.class).one());
            assertEquals(1L, h.createQuery("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").mapTo(Long.class).one());
            assertEquals(List.of("user_created", "api_key_changed", "user_deactivated"), auditEvents(h, user.id()));
        });
    }

    @Test
    void deactivatingOrReactivatingNobodyIsRefused() {
        UnitDatabase.rolledBack(h -> {
            assertEquals("No such user", assertThrows(InvalidInputException.class,
                    () -> accounts.deactivate(h, Actor.commandLine(), 404)).getMessage());
            assertEquals("No such user", assertThrows(InvalidInputException.class,
                    () -> accounts.reactivate(h, Actor.commandLine(), 404)).getMessage());
        });
    }
}
