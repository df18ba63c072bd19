package dev.keydesk.support;

import dev.keydesk.Services;
import dev.keydesk.audit.Actor;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;

/** Accounts and keys made through the same actions the product uses. */
public final class Fixtures {
    public static final String PASSWORD = "correct horse battery";

    private Fixtures() {}

    private static Services services() {
        return TestKeydesk.get().primary().services();
    }

    /** Creates the organization (if needed) and an account with {@link #PASSWORD}. */
    public static User user(String email, String fullName, Role role) {
        return services().organizations().createUserFromCommandLine("Test Org", email, fullName, role, PASSWORD).user();
    }

    public static User member(String email) {
        return user(email, "Member " + email, Role.MEMBER);
    }

    /** The user's current key, read the way the product reads it (this writes an audit row). */
    public static String keyOf(User user) {
        return keyOf(user.id());
    }

    public static String keyOf(long userId) {
        return services().apiKeys().revealKey(Actor.commandLine(), userId, "test");
    }

    public static void deactivate(User user) {
        services().accounts().deactivate(Actor.commandLine(), user.id());
    }

    public static long count(String sql) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    public static List<String> auditEvents(long targetUserId) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT event_type FROM audit_log WHERE target_user_id = :id ORDER BY id")
                .bind("id", targetUserId).mapTo(String.class).list());
    }

    public static void execute(String sql) {
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> h.execute(sql));
    }
}
