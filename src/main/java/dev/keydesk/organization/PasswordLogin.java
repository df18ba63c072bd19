package dev.keydesk.organization;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Whether people may sign in with a password. Owners may turn it off once people sign in through
 * the provider; owners themselves keep theirs, so that a provider that fails or is misconfigured
 * does not lock the organization out.
 */
public final class PasswordLogin {
    private final Jdbi jdbi;

    public PasswordLogin(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Read from the database every time: the login form and fetch_api_key must see a change at once, in every process. */
    public boolean enabled() {
        return jdbi.withHandle(h -> h.createQuery("SELECT password_login FROM organizations")
                .mapTo(Boolean.class).findOne().orElse(true));
    }

    public void set(Actor actor, boolean enabled) {
        jdbi.useTransaction(h -> {
            int changed = h.createUpdate("UPDATE organizations SET password_login = :on WHERE password_login <> :on")
                    .bind("on", enabled).execute();
            if (changed > 0) AuditLog.record(h, AuditEvent.PASSWORD_LOGIN_CHANGED, actor, null, Map.of("enabled", enabled));
        });
    }
}
