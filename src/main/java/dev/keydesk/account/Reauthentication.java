package dev.keydesk.account;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.factor.PasskeyActions;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.session.Session;
import dev.keydesk.session.SessionDao;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * A fresh proof before a key is shown, regenerated or downloaded, or a device logged out; it
 * counts for {@link Session#REAUTH_WINDOW}. Which proof an account gives is decided here alone
 * ({@link #required}): the password for an account that has only a password (as before), a code
 * from the authenticator app for an account that has one, a fresh sign-in at the organization's
 * provider for an account without a password. The stronger factor is asked for
 * because the password is what a phishing page or a reused-password list yields; the session
 * itself already began with both.
 */
public final class Reauthentication {
    /** How the proof went; {@code message} is the sentence to show above the prompt. */
    public sealed interface Result permits Confirmed, Refused, RateLimited {}

    public record Confirmed() implements Result {}

    public record Refused(String message) implements Result {}

    public record RateLimited(Duration retryAfter, String message) implements Result {}

    /**
     * How long ago the provider may have asked for the person's credentials: it was told to ask
     * now ({@code max_age=0}), so more than this means it answered from an older sign-in.
     */
    public static final Duration PROVIDER_SIGN_IN_AGE = Duration.ofMinutes(2);

    private final Jdbi jdbi;
    private final PasswordCheck passwords;
    private final SecondFactorActions factors;
    private final Clock clock;
    /** Whether single sign-on is configured: only then can an account without a password prove itself. */
    private final boolean provider;

    public Reauthentication(Jdbi jdbi, PasswordCheck passwords, SecondFactorActions factors, Clock clock, boolean provider) {
        this.jdbi = jdbi;
        this.passwords = passwords;
        this.factors = factors;
        this.clock = clock;
        this.provider = provider;
    }

    /** Whether the session's last proof is still within {@link Session#REAUTH_WINDOW}. */
    public boolean isRecent(Session session) {
        return session.recentlyReauthenticated(clock.instant());
    }

    /** The one kind of proof this account must give. */
    public Proof.Kind required(User user) {
        if (factors.hasAuthenticator(user.id())) return Proof.Kind.AUTHENTICATOR_CODE;
        return provider && !hasPassword(user) ? Proof.Kind.PROVIDER : Proof.Kind.PASSWORD;
    }

    /** Whether the account has a passkey, which it may give instead of the kind {@link #required} names. */
    public boolean offersPasskey(User user) {
        return factors.passkeys().hasPasskey(user.id());
    }

    /**
     * Whether this session must give a proof before a bot's key is shown or changed, a key is looked
     * up or a device approved. An account with only a password is never asked there (as before);
     * its password is asked only on its own Account &amp; privacy page.
     */
    public boolean stepUpDue(Session session, User user) {
        return !isRecent(session) && required(user) != Proof.Kind.PASSWORD;
    }

    private boolean hasPassword(User user) {
        return jdbi.withHandle(h -> h.createQuery("SELECT password_hash IS NOT NULL FROM users WHERE id = :id")
                .bind("id", user.id()).mapTo(Boolean.class).findOne().orElse(false));
    }

    /** On success the session may handle keys for the next five minutes; failures are audited. */
    public Result confirm(Session session, User user, Proof proof, String ip) {
        Proof.Kind required = required(user);
        Result result;
        if (proof instanceof Proof.Passkey p) {
            result = passkey(user, p.response(), ip);
        } else if (proof.kind() != required) {
            result = new Refused(switch (required) {
                case AUTHENTICATOR_CODE -> "Enter a code from your authenticator app.";
                case PROVIDER -> "Sign in again at your organization's sign-in provider.";
                case PASSWORD, PASSKEY -> "Enter your password.";
            });
        } else if (proof instanceof Proof.Password p) {
            result = password(user, p.password(), ip);
        } else if (proof instanceof Proof.ProviderSignIn p) {
            result = providerSignIn(p);
        } else {
            result = code(user, ((Proof.AuthenticatorCode) proof).code(), ip);
        }
        if (result instanceof Confirmed) {
            jdbi.useExtension(SessionDao.class, dao -> dao.markReauthenticated(session.id(), clock.instant()));
        }
        return result;
    }

    private Result password(User user, String password, String ip) {
        PasswordCheck.Outcome<Void> outcome = passwords.check(user.email(), password == null ? "" : password, ip);
        if (outcome instanceof PasswordCheck.Verified<Void> verified && verified.user().id() == user.id()) {
            return new Confirmed();
        }
        boolean limited = outcome instanceof PasswordCheck.RateLimited<Void>;
        jdbi.useTransaction(h -> AuditLog.record(h, AuditEvent.PASSWORD_REENTRY_FAILED,
                Actor.user(user.id(), ip), user.id(), Map.of("reason", limited ? "rate_limited" : "wrong_password")));
        if (outcome instanceof PasswordCheck.RateLimited<Void> rateLimited) {
            return new RateLimited(rateLimited.retryAfter(), "Too many wrong passwords. Try again in "
                    + Math.max(1, rateLimited.retryAfter().toMinutes()) + " minutes.");
        }
        return new Refused("That password is not right. Try again.");
    }

    /** The caller (single sign-on) audits a refusal, with the provider's details. */
    private Result providerSignIn(Proof.ProviderSignIn proof) {
        Instant now = clock.instant();
        if (proof.authTime() == null || proof.authTime().isBefore(now.minus(PROVIDER_SIGN_IN_AGE))
                || proof.authTime().isAfter(now.plus(PROVIDER_SIGN_IN_AGE))) {
            return new Refused("The sign-in provider did not ask for your credentials just now, so it does not show"
                    + " that it is still you. Try again, and sign in at the provider when it asks.");
        }
        return new Confirmed();
    }

    private Result passkey(User user, String response, String ip) {
        var outcome = factors.passkeys().verify(PasskeyActions.Ceremony.STEP_UP, user.id(), response, ip);
        if (outcome instanceof PasskeyActions.Verified) return new Confirmed();
        return new Refused(outcome instanceof PasskeyActions.Cloned
                ? "That passkey was refused: its signature counter did not go up, as happens with a copied authenticator."
                : "That passkey could not confirm it is you. Try again.");
    }

    // Recovery codes are not taken here: they are a way back into the account, spent at sign-in.
    private Result code(User user, String code, String ip) {
        var check = factors.check(Actor.user(user.id(), ip), user, code, ip, SecondFactorActions.Purpose.STEP_UP, false);
        if (check instanceof SecondFactorActions.RateLimited limited) {
            return new RateLimited(limited.retryAfter(), "Too many wrong codes. Try again in "
                    + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
        }
        if (check instanceof SecondFactorActions.Refused refused) {
            return new Refused(refused.replayed() ? "That code was already used. Wait for your app to show the next one."
                    : "That code is not right. Try again with the code your app shows now.");
        }
        return new Confirmed();
    }
}
