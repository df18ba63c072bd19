package dev.keydesk.sso;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.config.Settings;
import dev.keydesk.user.AccountRules;
import dev.keydesk.user.EmailAddress;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Single sign-on's state changes: the pending sign-ins (each taken once), finding or linking or
 * creating the account for a trusted identity, and the audit row of every refusal.
 */
public final class SsoActions {
    /** How the audit log names who acted in a sign-in nobody was signed in by. */
    static final String VIA = "single sign-on";
    private final Jdbi jdbi;
    private final Settings.Oidc settings;
    private final ApiKeyActions apiKeys;
    private final KeyCache keyCache;

    public SsoActions(Jdbi jdbi, Settings.Oidc settings, ApiKeyActions apiKeys, KeyCache keyCache) {
        this.jdbi = jdbi;
        this.settings = settings;
        this.apiKeys = apiKeys;
        this.keyCache = keyCache;
    }

    /** What was kept of a sign-in sent to the provider; {@code stepUpUser}: whose fresh proof it is, null for a sign-in. */
    public record Pending(String nonce, String codeVerifier, String next, Long stepUpUser) {}

    /** Keeps a sign-in sent to the provider; sign-ins never answered are dropped here after ten minutes. */
    public void remember(OidcClient.Started started, String next) {
        remember(started, next, null);
    }

    /** The same for a signed-in person's fresh sign-in before keys; the answer must be theirs. */
    public void rememberStepUp(OidcClient.Started started, String returnTo, long userId) {
        remember(started, returnTo, userId);
    }

    private void remember(OidcClient.Started started, String next, Long stepUpUser) {
        jdbi.useTransaction(h -> {
            h.execute("DELETE FROM sso_logins WHERE created_at < now() - interval '10 minutes'");
            h.createUpdate("""
                            INSERT INTO sso_logins (state, nonce, code_verifier, next, step_up_user)
                            VALUES (:state, :nonce, :verifier, :next, :user)""")
                    .bind("state", started.state()).bind("nonce", started.nonce())
                    .bind("verifier", started.codeVerifier()).bind("next", next).bind("user", stepUpUser)
                    .execute();
        });
    }

    /** Whether the provider's identity is the one linked to this account. */
    public boolean isLinked(OidcClient.Identity identity, long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM sso_identities
                                       WHERE issuer = :issuer AND subject = :subject AND user_id = :id)""")
                .bind("issuer", identity.issuer()).bind("subject", identity.subject()).bind("id", userId)
                .mapTo(Boolean.class).one());
    }

    /** The sign-in this state names, at most once and within ten minutes of its start. */
    public Optional<Pending> take(String state) {
        return jdbi.inTransaction(h -> h.createQuery("""
                        DELETE FROM sso_logins WHERE state = :state
                        RETURNING nonce, code_verifier, next, step_up_user,
                            created_at > now() - interval '10 minutes' AS fresh""")
                .bind("state", state)
                .map((rs, ctx) -> rs.getBoolean("fresh")
                        ? Optional.of(new Pending(rs.getString("nonce"), rs.getString("code_verifier"), rs.getString("next"),
                                rs.getObject("step_up_user", Long.class)))
                        : Optional.<Pending>empty())
                .findOne()
                .flatMap(p -> p));
    }

    /** Records a refusal; {@code target}: the account it concerned, when one is known. */
    public void refuse(SsoRefused refused, String ip, Long target, String subject) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reason", refused.refusal().code());
        if (refused.detail() != null) details.put("detail", abbreviate(refused.detail()));
        if (subject != null) details.put("subject", abbreviate(subject));
        jdbi.useTransaction(h -> AuditLog.record(h, AuditEvent.SSO_SIGN_IN_REFUSED, new Actor(null, ip, VIA), target, details));
    }

    /**
     * The account a trusted identity signs in to: the one linked to it; else, on a first sign-in,
     * the account with its e-mail address if the provider verified that address (linked now); else
     * a new member's, if the address's domain is allowed. The administrators' group makes an
     * administrator of a member. Refusals are recorded here, in the same transaction.
     */
    public User signIn(OidcClient.Identity identity, String ip) throws SsoRefused {
        Outcome outcome;
        try {
            outcome = signInOnce(identity, ip);
        } catch (UnableToExecuteStatementException e) {
            // The same person's first sign-in finishing twice at once: the other one linked or
            // created the account first (a unique index said so), so this one now finds it.
            if (!(e.getCause() instanceof SQLException sql) || !"23505".equals(sql.getSQLState())) throw e;
            outcome = signInOnce(identity, ip);
        }
        if (outcome.refused() != null) throw outcome.refused();
        return outcome.user();
    }

    private Outcome signInOnce(OidcClient.Identity identity, String ip) {
        return jdbi.inTransaction(h -> {
            try {
                return new Outcome(account(h, identity, ip), null);
            } catch (SsoRefused refused) {
                return new Outcome(null, refused);
            }
        });
    }

    private record Outcome(User user, SsoRefused refused) {}

    private User account(Handle h, OidcClient.Identity identity, String ip) throws SsoRefused {
        UserDao users = h.attach(UserDao.class);
        Optional<Long> linked = h.createQuery("SELECT user_id FROM sso_identities WHERE issuer = :issuer AND subject = :subject")
                .bind("issuer", identity.issuer()).bind("subject", identity.subject())
                .mapTo(Long.class).findOne();
        User user;
        if (linked.isPresent()) {
            user = users.lockById(linked.get()).orElseThrow();
        } else {
            user = firstSignIn(h, users, identity, ip);
        }
        if (user.isBot()) throw refuse(h, identity, ip, user.id(), SsoRefusal.NOT_A_PERSON, null);
        if (!user.isActive()) throw refuse(h, identity, ip, user.id(), SsoRefusal.DEACTIVATED, null);
        if (settings.adminGroup() != null && identity.groups().contains(settings.adminGroup())
                && user.role() > Role.ADMIN.code()) {
            h.createUpdate("UPDATE users SET role = :role WHERE id = :id").bind("role", Role.ADMIN.code()).bind("id", user.id()).execute();
            keyCache.announceChange(h, user.id()); // the API path caches the account with its role
            AuditLog.record(h, AuditEvent.ROLE_CHANGED, new Actor(user.id(), ip, VIA), user.id(),
                    Map.of("from", user.role(), "to", Role.ADMIN.code(), "group", settings.adminGroup()));
            user = users.findById(user.id()).orElseThrow();
        }
        return user;
    }

    private User firstSignIn(Handle h, UserDao users, OidcClient.Identity identity, String ip) throws SsoRefused {
        String email = identity.email();
        if (email == null || email.isBlank() || !EmailAddress.isValid(email)) {
            throw refuse(h, identity, ip, null, SsoRefusal.NO_EMAIL, null);
        }
        Optional<User> existing = users.findByEmail(email);
        if (existing.isPresent()) {
            User user = existing.get();
            // An address the provider has not verified may be anyone's: it must never open the account that has it.
            if (!identity.emailVerified()) throw refuse(h, identity, ip, user.id(), SsoRefusal.UNVERIFIED_EMAIL, email);
            if (user.isBot()) throw refuse(h, identity, ip, user.id(), SsoRefusal.NOT_A_PERSON, email);
            users.lockById(user.id());
            boolean taken = h.createQuery("SELECT EXISTS (SELECT 1 FROM sso_identities WHERE user_id = :id AND issuer = :issuer)")
                    .bind("id", user.id()).bind("issuer", identity.issuer()).mapTo(Boolean.class).one();
            if (taken) throw refuse(h, identity, ip, user.id(), SsoRefusal.ALREADY_LINKED, email);
            link(h, identity, user.id(), ip, false);
            return users.lockById(user.id()).orElseThrow();
        }
        if (!identity.emailVerified()) throw refuse(h, identity, ip, null, SsoRefusal.UNVERIFIED_EMAIL, email);
        String domain = email.substring(email.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        if (!settings.allowedDomains().contains(domain)) {
            throw refuse(h, identity, ip, null, SsoRefusal.DOMAIN_NOT_ALLOWED, email);
        }
        String normalized = AccountRules.email(email);
        long id = users.insertHuman(normalized, fullName(identity, normalized), Role.MEMBER.code(), null);
        Actor creator = new Actor(id, ip, VIA);
        AuditLog.record(h, AuditEvent.USER_CREATED, creator, id, Map.of("email", normalized, "role", Role.MEMBER.code()));
        apiKeys.replaceKey(h, creator, id);
        link(h, identity, id, ip, true);
        return users.lockById(id).orElseThrow();
    }

    private static void link(Handle h, OidcClient.Identity identity, long userId, String ip, boolean created) {
        h.createUpdate("INSERT INTO sso_identities (issuer, subject, user_id) VALUES (:issuer, :subject, :id)")
                .bind("issuer", identity.issuer()).bind("subject", identity.subject()).bind("id", userId).execute();
        AuditLog.record(h, AuditEvent.SSO_LINKED, new Actor(userId, ip, VIA), userId,
                Map.of("issuer", identity.issuer(), "subject", abbreviate(identity.subject()), "created", created));
    }

    private static SsoRefused refuse(Handle h, OidcClient.Identity identity, String ip, Long target, SsoRefusal refusal,
                                     String email) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reason", refusal.code());
        details.put("subject", abbreviate(identity.subject()));
        if (email != null) details.put("email", abbreviate(email));
        AuditLog.record(h, AuditEvent.SSO_SIGN_IN_REFUSED, new Actor(null, ip, VIA), target, details);
        return new SsoRefused(refusal, null);
    }

    /** The provider's name for the person, else the address's local part; kept within the name rules. */
    private static String fullName(OidcClient.Identity identity, String email) {
        String name = identity.name() == null ? "" : identity.name().strip();
        if (name.isEmpty() || name.length() > AccountRules.MAX_NAME || AccountRules.hasControlCharacters(name)) {
            name = email.substring(0, email.indexOf('@'));
        }
        return AccountRules.fullName(name);
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }

    /** Whether password sign-in is on for the organization (owners may always use theirs). */
    public static boolean passwordLoginAllowed(Handle h) {
        return h.createQuery("SELECT password_login FROM organizations").mapTo(Boolean.class).findOne().orElse(true);
    }
}
