package dev.keydesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.support.UnitDatabase;
import dev.keydesk.user.Role;
import dev.keydesk.user.UserDao;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Audit rows: who, whom, from where and what, written in the caller's (here rolled-back) transaction. */
class AuditLogTest {
    @AfterEach
    void nothingWasCommitted() {
        assertEquals(0, UnitDatabase.committedCount("audit_log"));
    }

    private static long person(Handle h, String email) {
        return h.attach(UserDao.class).insertHuman(email, "Person " + email, Role.MEMBER.code(), null);
    }

    private static List<Map<String, Object>> rows(Handle h) {
        return h.createQuery("""
                        SELECT event_type, actor_id, target_user_id, ip, actor_label, target_label, details::text AS details
                        FROM audit_log ORDER BY id""")
                .mapToMap().list();
    }

    @Test
    void aPersonsChangeNamesBothAccountsByAddress() {
        UnitDatabase.rolledBack(h -> {
            long iago = person(h, "iago@zulip.com");
            long hamlet = person(h, "hamlet@zulip.com");
            AuditLog.record(h, AuditEvent.ROLE_CHANGED, Actor.user(iago, "192.0.2.1"), hamlet, Map.of("from", 400, "to", 200));

            Map<String, Object> row = rows(h).get(0);
            assertEquals("role_changed", row.get("event_type"));
            assertEquals(iago, row.get("actor_id"));
            assertEquals(hamlet, row.get("target_user_id"));
            assertEquals("192.0.2.1", row.get("ip"));
            assertEquals("iago@zulip.com", row.get("actor_label"));
            assertEquals("hamlet@zulip.com", row.get("target_label"));
            assertEquals("{\"to\": 200, \"via\": \"web\", \"from\": 400}", row.get("details"));
        });
    }

    @Test
    void theCommandLineIsNamedByHowTheChangeCame() {
        UnitDatabase.rolledBack(h -> {
            long hamlet = person(h, "hamlet@zulip.com");
            AuditLog.record(h, AuditEvent.USER_DEACTIVATED, Actor.commandLine(), hamlet);

            Map<String, Object> row = rows(h).get(0);
            assertNull(row.get("actor_id"));
            assertNull(row.get("ip"));
            assertEquals("command line", row.get("actor_label"));
            assertEquals("{\"via\": \"command line\"}", row.get("details"));
        });
    }

    @Test
    void aChangeWithoutTargetHasNoTargetLabel() {
        UnitDatabase.rolledBack(h -> {
            long iago = person(h, "iago@zulip.com");
            AuditLog.record(h, AuditEvent.INVITATION_CREATED, Actor.user(iago, "192.0.2.1"), null,
                    Map.of("email", "new@zulip.com"));
            Map<String, Object> row = rows(h).get(0);
            assertNull(row.get("target_user_id"));
            assertNull(row.get("target_label"));
        });
    }

    @Test
    void detailsAreStoredAsJsonWhateverTheirCharacters() {
        UnitDatabase.rolledBack(h -> {
            long hamlet = person(h, "hamlet@zulip.com");
            String tricky = "quote \" backslash \\ newline \n ünïcode 🔑 '; DROP TABLE users; --";
            AuditLog.record(h, AuditEvent.API_KEY_REVEALED, Actor.api(hamlet, "::1"), hamlet, Map.of("purpose", tricky));
            assertEquals(tricky, h.createQuery("SELECT details->>'purpose' FROM audit_log").mapTo(String.class).one());
            assertEquals("api", h.createQuery("SELECT details->>'via' FROM audit_log").mapTo(String.class).one());
        });
    }

    @Test
    void detailsThatAreNotPlainValuesAreRefused() {
        UnitDatabase.rolledBack(h -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuditLog.record(h,
                    AuditEvent.BOT_MODIFIED, Actor.commandLine(), null, Map.of("handle", new Object())));
            assertEquals("Audit details must be plain values", e.getMessage());
            assertEquals(List.of(), rows(h));
        });
    }

    @Test
    void severalTargetsShareOneRowThatNamesThemAll() {
        UnitDatabase.rolledBack(h -> {
            long iago = person(h, "iago@zulip.com");
            long hamlet = person(h, "hamlet@zulip.com");
            long cordelia = person(h, "cordelia@zulip.com");
            AuditLog.recordForAll(h, AuditEvent.API_KEY_REVEALED, Actor.user(iago, "192.0.2.1"),
                    new TreeMap<>(Map.of(cordelia, "cordelia@zulip.com", hamlet, "hamlet@zulip.com")), Map.of("purpose", "bot list"));

            List<Map<String, Object>> rows = rows(h);
            assertEquals(1, rows.size(), "one row for the whole list");
            Map<String, Object> row = rows.get(0);
            assertEquals("api_key_revealed", row.get("event_type"));
            assertEquals("iago@zulip.com", row.get("actor_label"));
            assertEquals(null, row.get("target_label"));
            String details = (String) row.get("details");
            assertEquals(true, details.contains("\"target_ids\": [" + hamlet + ", " + cordelia + "]"), details);
            assertEquals(true, details.contains("\"targets\": [\"hamlet@zulip.com\", \"cordelia@zulip.com\"]"), details);
        });
    }

    @Test
    void aSingleTargetIsAnOrdinaryRowAndNoTargetsMeansNoRow() {
        UnitDatabase.rolledBack(h -> {
            long hamlet = person(h, "hamlet@zulip.com");
            AuditLog.recordForAll(h, AuditEvent.API_KEY_REVEALED, Actor.commandLine(), new TreeMap<>(), Map.of("purpose", "x"));
            assertEquals(List.of(), rows(h));
            AuditLog.recordForAll(h, AuditEvent.API_KEY_REVEALED, Actor.commandLine(), new TreeMap<>(Map.of(hamlet, "hamlet@zulip.com")),
                    Map.of("purpose", "x"));
            assertEquals(List.of("hamlet@zulip.com"), rows(h).stream().map(r -> r.get("target_label")).toList());
        });
    }
}
