package dev.keydesk.account;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.EmailAddress;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** "Forgot your password?": a one-hour, single-use link by e-mail, then a new password. */
public final class PasswordResetActions {
    public static final Duration LINK_LIFETIME = Duration.ofHours(1);

    /** Whether the request was taken; the answer never says whether the address has an account. */
    public sealed interface Requested permits Accepted, Limited {}

    public record Accepted() implements Requested {}

    public record Limited(Duration retryAfter) implements Requested {}

    private final Jdbi jdbi;
    private final AccountActions accounts;
    private final PasswordRateLimiter limiter;
    private final ApiKeyActions apiKeys;
    private final Outbox outbox;
    private final String site;
    private final Clock clock;

    public PasswordResetActions(Jdbi jdbi, AccountActions accounts, PasswordRateLimiter limiter, ApiKeyActions apiKeys,
                                Outbox outbox, String site, Clock clock) {
        this.clock = clock;
        this.jdbi = jdbi;
        this.accounts = accounts;
        this.limiter = limiter;
        this.apiKeys = apiKeys;
        this.outbox = outbox;
        this.site = site;
    }

    public Requested request(String rawEmail, String ip) {
        String email = rawEmail == null ? "" : rawEmail.strip();
        if (!EmailAddress.isValid(email)) throw new InvalidInputException("Enter a valid email address.");
        PasswordRateLimiter.MailRequest allowed = limiter.requestMail(email, ip);
        if (allowed instanceof PasswordRateLimiter.Limited limited) return new Limited(limited.retryAfter());
        // The account had its e-mails this hour, their links still good: answered alike, so nothing tells it apart.
        if (allowed instanceof PasswordRateLimiter.AlreadyMailed) return new Accepted();
        jdbi.useTransaction(h -> {
            Optional<User> user = h.attach(UserDao.class).findByEmail(email).filter(u -> u.isActive() && !u.isBot());
            if (user.isEmpty()) return;
            String token = Tokens.newToken();
            h.attach(PasswordResetDao.class).insert(user.get().id(), Tokens.sha256(token), clock.instant().plus(LINK_LIFETIME));
            String org = OrganizationName.current(h);
            Emails.Email mail = Emails.passwordReset(org, site + "/accounts/password/reset/" + token);
            outbox.email(h, user.get().email(), mail.subject(), mail.body());
            AuditLog.record(h, AuditEvent.PASSWORD_RESET_REQUESTED, new Actor(null, ip, "password reset"), user.get().id());
        });
        return new Accepted();
    }

    /** True when the link can still be used. */
    public boolean isUsable(String token) {
        return pending(token).isPresent();
    }

    /**
     * Sets the new password, ends every session of the account, logs out its devices and, if
     * asked, gives it a new API key. The link is used up in the same transaction. Returns how
     * many devices were logged out.
     */
    public int complete(String token, String newPassword, boolean regenerateKey, String ip) {
        String hash = accounts.hashNewPassword(newPassword);
        Instant now = clock.instant();
        return jdbi.inTransaction(h -> {
            PasswordResetDao resets = h.attach(PasswordResetDao.class);
            PasswordResetDao.Pending pending = token == null || token.length() > 100 ? null
                    : resets.findUsable(Tokens.sha256(token), now).orElse(null);
            if (pending == null || resets.markUsed(pending.id(), now) == 0) {
                throw new InvalidInputException("This link is no longer valid.");
            }
            long userId = pending.userId();
            Actor actor = new Actor(userId, ip, "password reset");
            var set = accounts.setPassword(h, actor, userId, hash, null, Map.of("new_api_key", regenerateKey));
            if (regenerateKey) apiKeys.replaceKey(h, actor, userId);
            User user = h.attach(UserDao.class).findById(userId).orElseThrow();
            // Proving the mailbox makes this client one the account knows, as a right password would.
            limiter.rememberClient(h, user.email(), ip);
            return set.devicesLoggedOut();
        });
    }

    private Optional<PasswordResetDao.Pending> pending(String token) {
        if (token == null || token.length() > 100) return Optional.empty();
        return jdbi.withExtension(PasswordResetDao.class, dao -> dao.findUsable(Tokens.sha256(token), clock.instant()));
    }
}
