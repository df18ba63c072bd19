package dev.keydesk.account;

import dev.keydesk.session.SessionDao;
import dev.keydesk.session.Session;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import java.time.Clock;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** Password re-entry before a key is shown, regenerated or downloaded. */
public final class Reauthentication {
    private final Jdbi jdbi;
    private final PasswordCheck passwords;
    private final Clock clock;

    public Reauthentication(Jdbi jdbi, PasswordCheck passwords, Clock clock) {
        this.jdbi = jdbi;
        this.passwords = passwords;
        this.clock = clock;
    }

    /** Whether the session's last password re-entry is still within {@link Session#REAUTH_WINDOW}. */
    public boolean isRecent(Session session) {
        return session.recentlyReauthenticated(clock.instant());
    }

    /** On success the session may handle the key for the next five minutes; failures are audited. */
    public PasswordCheck.Outcome<Void> confirm(Session session, User user, String password, String ip) {
        PasswordCheck.Outcome<Void> outcome = passwords.check(user.email(), password == null ? "" : password, ip);
        if (outcome instanceof PasswordCheck.Verified<Void> verified && verified.user().id() == user.id()) {
            jdbi.useExtension(SessionDao.class, dao -> dao.markReauthenticated(session.id(), clock.instant()));
        } else {
            String reason = outcome instanceof PasswordCheck.RateLimited<Void> ? "rate_limited" : "wrong_password";
            jdbi.useTransaction(h -> AuditLog.record(h, AuditEvent.PASSWORD_REENTRY_FAILED,
                    Actor.user(user.id(), ip), user.id(), Map.of("reason", reason)));
        }
        return outcome;
    }
}
