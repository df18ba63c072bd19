package dev.keydesk.user;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.session.SessionDao;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Creating accounts, changing passwords, deactivating: each in one transaction with its audit rows. */
public final class UserActions {
    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final ApiKeyActions apiKeys;
    private final KeyCache keyCache;

    public UserActions(Jdbi jdbi, PasswordHasher hasher, ApiKeyActions apiKeys, KeyCache keyCache) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.apiKeys = apiKeys;
        this.keyCache = keyCache;
    }

    public User createHuman(Actor actor, String email, String fullName, Role role, String password) {
        return jdbi.inTransaction(h -> createHuman(h, actor, email, fullName, role, password));
    }

    /** Inside the caller's transaction; the account gets its first API key at once. */
    public User createHuman(Handle h, Actor actor, String rawEmail, String rawName, Role role, String password) {
        String email = AccountRules.email(rawEmail);
        String fullName = AccountRules.fullName(rawName);
        AccountRules.newPassword(password);
        UserDao users = h.attach(UserDao.class);
        if (users.findByEmail(email).isPresent()) {
            throw new InvalidInputException("An account with this e-mail address already exists.");
        }
        long id = users.insertHuman(email, fullName, role.code(), hasher.hash(password));
        Actor creator = actor.userId() == null ? new Actor(id, actor.ip(), actor.via()) : actor;
        AuditLog.record(h, AuditEvent.USER_CREATED, creator, id, Map.of("email", email, "role", role.code()));
        apiKeys.replaceKey(h, creator, id);
        return users.findById(id).orElseThrow();
    }

    /** Sets a new password after checking the current one; every other session of the user ends. */
    public void changePassword(Actor actor, long userId, long keepSessionId, String newPassword) {
        AccountRules.newPassword(newPassword);
        String hash = hasher.hash(newPassword);
        jdbi.useTransaction(h -> {
            h.attach(UserDao.class).updatePasswordHash(userId, hash);
            // Links to reset the old password are of no use any more.
            h.createUpdate("UPDATE password_resets SET used_at = now() WHERE user_id = :id AND used_at IS NULL")
                    .bind("id", userId).execute();
            int ended = h.attach(SessionDao.class).deleteOthers(userId, keepSessionId);
            AuditLog.record(h, AuditEvent.PASSWORD_CHANGED, actor, userId, Map.of("other_sessions_ended", ended));
        });
    }

    /** Ends the user's sessions and makes their key refused at once; the key itself is kept. */
    public void deactivate(Actor actor, long userId) {
        jdbi.useTransaction(h -> deactivate(h, actor, userId));
    }

    /** Inside the caller's transaction. */
    public void deactivate(Handle h, Actor actor, long userId) {
        if (h.attach(UserDao.class).updateActive(userId, false) == 0) {
            throw new InvalidInputException("No such user");
        }
        h.attach(SessionDao.class).deleteAllForUser(userId);
        keyCache.announceChange(h, userId);
        AuditLog.record(h, AuditEvent.USER_DEACTIVATED, actor, userId);
    }

    public void reactivate(Actor actor, long userId) {
        jdbi.useTransaction(h -> reactivate(h, actor, userId));
    }

    /** Inside the caller's transaction. */
    public void reactivate(Handle h, Actor actor, long userId) {
        if (h.attach(UserDao.class).updateActive(userId, true) == 0) {
            throw new InvalidInputException("No such user");
        }
        keyCache.announceChange(h, userId);
        AuditLog.record(h, AuditEvent.USER_REACTIVATED, actor, userId);
    }
}
