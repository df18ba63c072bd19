package dev.keydesk.account;

import dev.keydesk.user.AccountRules;
import dev.keydesk.user.PasswordHasher;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.ForbiddenException;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.session.SessionDao;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Creating accounts, changing passwords, deactivating: each in one transaction with its audit rows. */
public final class AccountActions {
    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final ApiKeyActions apiKeys;
    private final KeyCache keyCache;

    public AccountActions(Jdbi jdbi, PasswordHasher hasher, ApiKeyActions apiKeys, KeyCache keyCache) {
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
        String hash = hashNewPassword(password);
        UserDao users = h.attach(UserDao.class);
        if (users.findByEmail(email).isPresent()) {
            throw new InvalidInputException("An account with this e-mail address already exists.");
        }
        long id = users.insertHuman(email, fullName, role.code(), hash);
        Actor creator = actor.userId() == null ? new Actor(id, actor.ip(), actor.via()) : actor;
        AuditLog.record(h, AuditEvent.USER_CREATED, creator, id, Map.of("email", email, "role", role.code()));
        apiKeys.replaceKey(h, creator, id);
        return users.findById(id).orElseThrow();
    }

    /** Checks the password rules and hashes; call before the transaction, since argon2 takes a while. */
    public String hashNewPassword(String password) {
        return hasher.hash(AccountRules.newPassword(password));
    }

    /**
     * Changes one's own password; every other session of the user ends and every device is logged
     * out. Returns how many devices were.
     */
    public int changePassword(Actor actor, long userId, long keepSessionId, String newPassword) {
        String hash = hashNewPassword(newPassword);
        return jdbi.inTransaction(h -> setPassword(h, actor, userId, hash, keepSessionId, Map.of()).devicesLoggedOut());
    }

    /** What a new password ended: browser sessions, and devices with keys of their own. */
    public record PasswordSet(int sessionsEnded, int devicesLoggedOut) {}

    /**
     * The one way a password is replaced, inside the caller's transaction: stores the hash, retires
     * pending reset links (they were for the old password), ends the user's sessions, except the
     * one to keep (null: all of them), and logs out every device. A device key was handed out for
     * the old password, so whoever changes it because it got out must not leave a key behind
     * that was fetched with it; the account's main key stays (a reset may replace it too).
     */
    public PasswordSet setPassword(Handle h, Actor actor, long userId, String hash, Long keepSessionId,
                                   Map<String, Object> details) {
        // First: the users row's lock orders this change with any fetch_api_key that verified the
        // old password meanwhile, so its device is either logged out below or never written.
        h.attach(UserDao.class).updatePasswordHash(userId, hash);
        h.attach(PasswordResetDao.class).retireAll(userId);
        SessionDao sessions = h.attach(SessionDao.class);
        int ended = keepSessionId == null ? sessions.deleteAllForUser(userId) : sessions.deleteOthers(userId, keepSessionId);
        Map<String, Object> audit = new LinkedHashMap<>(details);
        audit.put(keepSessionId == null ? "sessions_ended" : "other_sessions_ended", ended);
        AuditLog.record(h, AuditEvent.PASSWORD_CHANGED, actor, userId, audit);
        int devices = apiKeys.logOutAllDevices(h, actor, userId);
        return new PasswordSet(ended, devices);
    }

    /**
     * Ends the user's sessions and suspends every key of the account, the main key and each
     * device's: they are refused ("Account is deactivated") while the account is deactivated and
     * work again after a reactivation, as Zulip keeps an account's key through both. A device
     * logged out meanwhile (a new key, a leak report, Log out) stays logged out.
     */
    public void deactivate(Actor actor, long userId) {
        jdbi.useTransaction(h -> deactivate(h, actor, userId));
    }

    /** Inside the caller's transaction. */
    public void deactivate(Handle h, Actor actor, long userId) {
        UserDao users = h.attach(UserDao.class);
        if (users.lockById(userId).isEmpty()) throw new InvalidInputException("No such user");
        if (users.updateActive(userId, false) == 0) return; // already deactivated: nothing to record
        h.attach(SessionDao.class).deleteAllForUser(userId);
        keyCache.announceChange(h, userId);
        AuditLog.record(h, AuditEvent.USER_DEACTIVATED, actor, userId);
    }

    public void reactivate(Actor actor, long userId) {
        jdbi.useTransaction(h -> reactivate(h, actor, userId));
    }

    /** Inside the caller's transaction. */
    public void reactivate(Handle h, Actor actor, long userId) {
        UserDao users = h.attach(UserDao.class);
        if (users.lockById(userId).isEmpty()) throw new InvalidInputException("No such user");
        if (users.updateActive(userId, true) == 0) return; // already active
        keyCache.announceChange(h, userId);
        AuditLog.record(h, AuditEvent.USER_REACTIVATED, actor, userId);
    }

    /**
     * Whether an owner gets the weekly key digest by e-mail. Only owners get it, so only an owner
     * (read from the locked row, so a demotion that committed first is seen) may change it.
     * Returns false when the choice was already so (nothing recorded).
     */
    public boolean setWeeklyDigest(Actor actor, long userId, boolean enabled) {
        return jdbi.inTransaction(h -> {
            User user = h.attach(UserDao.class).lockById(userId).orElseThrow(() -> new InvalidInputException("No such user"));
            if (!user.isOwner() || !user.isActive()) throw new ForbiddenException("Only owners get the weekly key digest.");
            int changed = h.createUpdate("UPDATE users SET weekly_key_digest = :on WHERE id = :id AND weekly_key_digest <> :on")
                    .bind("on", enabled).bind("id", userId).execute();
            if (changed == 0) return false;
            AuditLog.record(h, AuditEvent.WEEKLY_DIGEST_CHANGED, actor, userId, Map.of("enabled", enabled));
            return true;
        });
    }

    /** Whether the account gets the weekly key digest when it is an owner. */
    public boolean weeklyDigest(long userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT weekly_key_digest FROM users WHERE id = :id")
                .bind("id", userId).mapTo(Boolean.class).findOne().orElse(false));
    }
}
