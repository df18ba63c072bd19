package dev.keydesk.factor;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.ForbiddenException;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Every change to a person's second factor, and every check of one: setting up the authenticator
 * app, removing it, recovery codes, the owners' policy, and the code entered at sign-in or before
 * a key is shown. Codes are guessed no faster than passwords: each check counts against its own
 * limiter (the password limits, in a scope of their own) before the code is looked at, and only a
 * right code is forgiven.
 */
public final class SecondFactorActions {
    /** What a code is entered for; part of its audit row. */
    public enum Purpose {
        SIGN_IN("sign_in"), STEP_UP("step_up"), REMOVE("remove"), RECOVERY_CODES("recovery_codes"), SETUP("setup");

        private final String dbName;

        Purpose(String dbName) {
            this.dbName = dbName;
        }
    }

    public sealed interface Check permits Accepted, Refused, RateLimited {}

    /** The code was right; {@code recoveryCode} when it was one of the recovery codes (now used up). */
    public record Accepted(boolean recoveryCode) implements Check {}

    /** Wrong, or (when {@code replayed}) an authenticator code already accepted once. */
    public record Refused(boolean replayed) implements Check {}

    public record RateLimited(Duration retryAfter) implements Check {}

    /** What the Sign-in security section shows. */
    public record Status(boolean authenticator, Instant confirmedAt, boolean setupStarted, int recoveryCodesLeft, int passkeys) {}

    /** The codes of a completed setup or a regeneration, to show once; empty when the check refused. */
    public record NewCodes(Check check, List<String> codes) {}

    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final PasswordRateLimiter limiter;
    private final PasswordCheck passwords;
    private final Clock clock;
    private final PasskeyActions passkeys;

    public SecondFactorActions(Jdbi jdbi, KeyCipher cipher, PasswordRateLimiter limiter, PasswordCheck passwords, Clock clock,
                               PasskeyActions passkeys) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.limiter = limiter;
        this.passwords = passwords;
        this.clock = clock;
        this.passkeys = passkeys;
    }

    /** The account's passkeys: the other kind of second factor, which can also sign in on its own. */
    public PasskeyActions passkeys() {
        return passkeys;
    }

    public Status status(long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT t.confirmed_at IS NOT NULL AS confirmed, t.confirmed_at, t.user_id IS NOT NULL AS started,
                               (SELECT count(*) FROM recovery_codes r WHERE r.user_id = :id AND r.used_at IS NULL) AS left_codes,
                               (SELECT count(*) FROM passkeys p WHERE p.user_id = :id) AS passkeys
                        FROM (SELECT :id AS id) me LEFT JOIN totp_factors t ON t.user_id = me.id""")
                .bind("id", userId)
                .map((rs, ctx) -> new Status(rs.getBoolean("confirmed"),
                        rs.getObject("confirmed_at", java.time.OffsetDateTime.class) == null ? null
                                : rs.getObject("confirmed_at", java.time.OffsetDateTime.class).toInstant(),
                        rs.getBoolean("started"), rs.getInt("left_codes"), rs.getInt("passkeys")))
                .one());
    }

    /** Whether the account signs in with an authenticator app (a confirmed one). */
    public boolean hasAuthenticator(long userId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = :id AND confirmed_at IS NOT NULL)")
                .bind("id", userId).mapTo(Boolean.class).one());
    }

    /** Whether the account has any second factor in force: an authenticator app or a passkey. */
    public boolean hasSecondFactor(long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = :id AND confirmed_at IS NOT NULL)
                            OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = :id)""")
                .bind("id", userId).mapTo(Boolean.class).one());
    }

    /**
     * Whether {@code policy} (the owners' policy as stored, read with the session) covers this person
     * and they have no second factor yet: then every page but setting one up sends them to it. No
     * statement at all for a person the policy leaves out, the usual case; one for a person it covers.
     */
    public boolean mustSetUp(User user, String policy) {
        SecondFactorPolicy required = SecondFactorPolicy.fromDb(policy).orElse(SecondFactorPolicy.NOBODY);
        if (user.isBot() || !required.covers(user)) return false;
        return !hasSecondFactor(user.id());
    }

    public SecondFactorPolicy policy() {
        return jdbi.withHandle(h -> h.createQuery("SELECT second_factor_required FROM organizations WHERE id = 1")
                .mapTo(String.class).findOne().flatMap(SecondFactorPolicy::fromDb).orElse(SecondFactorPolicy.NOBODY));
    }

    /** Only an owner may change whom the policy covers; checked against the owner's row as it is now. */
    public void setPolicy(Actor actor, SecondFactorPolicy policy) {
        jdbi.useTransaction(h -> {
            boolean owner = actor.userId() != null && h.attach(UserDao.class).findById(actor.userId())
                    .filter(u -> u.isActive() && u.isOwner()).isPresent();
            if (!owner) throw new ForbiddenException("Only the organization's owners may do this.");
            int changed = h.createUpdate("""
                            UPDATE organizations SET second_factor_required = :policy
                            WHERE id = 1 AND second_factor_required <> :policy""")
                    .bind("policy", policy.dbName()).execute();
            if (changed > 0) {
                AuditLog.record(h, AuditEvent.SECOND_FACTOR_POLICY_CHANGED, actor, null, Map.of("policy", policy.dbName()));
            }
        });
    }

    /**
     * A new secret for the authenticator app, not yet in force: it replaces an earlier unfinished
     * setup and counts only once a code from the app confirms it. Refused while one is in force.
     */
    public void startSetup(long userId) {
        byte[] secret = Totp.newSecret();
        jdbi.useTransaction(h -> {
            int written = h.createUpdate("""
                            INSERT INTO totp_factors (user_id, secret_ciphertext, created_at) VALUES (:id, :ct, :now)
                            ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext,
                                created_at = excluded.created_at, last_used_step = NULL
                            WHERE totp_factors.confirmed_at IS NULL""")
                    .bind("id", userId).bind("ct", seal(userId, secret)).bind("now", clock.instant())
                    .execute();
            if (written == 0) throw new InvalidInputException("An authenticator app is already set up. Remove it first to set up another.");
        });
    }

    /** The secret of a setup that was started and not yet confirmed, to show as a QR code and as text. */
    public Optional<byte[]> unconfirmedSecret(long userId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT secret_ciphertext FROM totp_factors WHERE user_id = :id AND confirmed_at IS NULL")
                .bind("id", userId).mapTo(byte[].class).findOne().map(ct -> open(userId, ct)));
    }

    /**
     * Confirms the started setup with a code from the app. On success the authenticator is in force
     * and ten recovery codes replace any earlier ones; they are returned to be shown once.
     */
    public NewCodes confirmSetup(Actor actor, User user, String code, String ip) {
        return limited(actor, user, ip, Purpose.SETUP, (h, attempt) -> {
            var row = h.createQuery("""
                            SELECT secret_ciphertext FROM totp_factors WHERE user_id = :id AND confirmed_at IS NULL FOR UPDATE""")
                    .bind("id", user.id()).mapTo(byte[].class).findOne();
            if (row.isEmpty()) throw new InvalidInputException("Start the setup again: there is no authenticator app waiting to be confirmed.");
            long step = Totp.matchingStep(open(user.id(), row.get()), digits(code), clock.instant());
            if (step < 0) return new NewCodes(failed(h, actor, user, Purpose.SETUP, "wrong_code"), List.of());
            h.createUpdate("UPDATE totp_factors SET confirmed_at = :now, last_used_step = :step WHERE user_id = :id")
                    .bind("now", clock.instant()).bind("step", step).bind("id", user.id()).execute();
            AuditLog.record(h, AuditEvent.AUTHENTICATOR_ADDED, actor, user.id(), Map.of());
            List<String> codes = replaceRecoveryCodes(h, actor, user.id());
            limiter.forgive(h, attempt);
            return new NewCodes(new Accepted(false), codes);
        }, check -> new NewCodes(check, List.of()));
    }

    /**
     * Checks a code from the authenticator app, or (where {@code recoveryAllowed}) a recovery code,
     * which is used up by it. An authenticator code is accepted once: the step it belongs to must
     * be later than the last accepted one, so a replay in the same step (or an older code) fails.
     */
    public Check check(Actor actor, User user, String code, String ip, Purpose purpose, boolean recoveryAllowed) {
        return limited(actor, user, ip, purpose, (h, attempt) -> {
            Check check = checkIn(h, actor, user, code, purpose, recoveryAllowed);
            if (check instanceof Accepted) limiter.forgive(h, attempt);
            return check;
        }, check -> check);
    }

    /**
     * Removes the authenticator app and the recovery codes, once the person proved it is them
     * with their password or a code (an authenticator code or a recovery code).
     */
    public Check remove(Actor actor, User user, String password, String code, String ip) {
        if (password != null && !password.isEmpty()) {
            PasswordCheck.Outcome<Boolean> outcome = passwords.check(user.email(), password, ip,
                    (h, checked, hash) -> checked.id() == user.id() && deleteFactors(h, actor, user.id(), "password"));
            if (outcome instanceof PasswordCheck.RateLimited<Boolean> limited) return new RateLimited(limited.retryAfter());
            if (outcome instanceof PasswordCheck.Verified<Boolean> verified && verified.opened()) return new Accepted(false);
            jdbi.useTransaction(h -> failed(h, actor, user, Purpose.REMOVE, "wrong_password"));
            return new Refused(false);
        }
        return limited(actor, user, ip, Purpose.REMOVE, (h, attempt) -> {
            Check check = checkIn(h, actor, user, code, Purpose.REMOVE, true);
            if (check instanceof Accepted accepted) {
                deleteFactors(h, actor, user.id(), accepted.recoveryCode() ? "recovery_code" : "authenticator_code");
                limiter.forgive(h, attempt);
            }
            return check;
        }, check -> check);
    }

    /** New recovery codes for an account with an authenticator, after a code from it; the old ones stop working. */
    public NewCodes regenerateRecoveryCodes(Actor actor, User user, String code, String ip) {
        return limited(actor, user, ip, Purpose.RECOVERY_CODES, (h, attempt) -> {
            Check check = checkIn(h, actor, user, code, Purpose.RECOVERY_CODES, false);
            if (!(check instanceof Accepted)) return new NewCodes(check, List.of());
            limiter.forgive(h, attempt);
            return new NewCodes(check, replaceRecoveryCodes(h, actor, user.id()));
        }, check -> new NewCodes(check, List.of()));
    }

    @FunctionalInterface
    private interface Counted<T> {
        T run(Handle h, PasswordRateLimiter.Attempt attempt);
    }

    /** Counts the attempt first (refusing it when over the limit, with an audit row), then runs {@code work} in one transaction. */
    private <T> T limited(Actor actor, User user, String ip, Purpose purpose, Counted<T> work,
                          java.util.function.Function<Check, T> refused) {
        var decision = limiter.attempt(user.email(), ip);
        if (decision instanceof PasswordRateLimiter.Limited limitedBy) {
            jdbi.useTransaction(h -> failed(h, actor, user, purpose, "rate_limited"));
            return refused.apply(new RateLimited(limitedBy.retryAfter()));
        }
        var attempt = ((PasswordRateLimiter.Allowed) decision).attempt();
        return jdbi.inTransaction(h -> work.run(h, attempt));
    }

    private Check checkIn(Handle h, Actor actor, User user, String code, Purpose purpose, boolean recoveryAllowed) {
        var row = h.createQuery("""
                        SELECT secret_ciphertext, last_used_step FROM totp_factors
                        WHERE user_id = :id AND confirmed_at IS NOT NULL FOR UPDATE""")
                .bind("id", user.id())
                .map((rs, ctx) -> Map.entry(rs.getBytes(1), rs.getObject(2) == null ? Long.MIN_VALUE : rs.getLong(2)))
                .findOne();
        if (row.isEmpty()) return failed(h, actor, user, purpose, "no_authenticator");
        String digits = digits(code);
        if (digits.matches("[0-9]{" + Totp.DIGITS + "}")) {
            long step = Totp.matchingStep(open(user.id(), row.get().getKey()), digits, clock.instant());
            if (step >= 0 && step > row.get().getValue()) {
                h.createUpdate("UPDATE totp_factors SET last_used_step = :step WHERE user_id = :id")
                        .bind("step", step).bind("id", user.id()).execute();
                return new Accepted(false);
            }
            return failed(h, actor, user, purpose, step >= 0 ? "replayed" : "wrong_code");
        }
        String recovery = RecoveryCodes.normalized(code);
        if (recoveryAllowed && recovery != null) {
            int used = h.createUpdate("""
                            UPDATE recovery_codes SET used_at = :now
                            WHERE user_id = :id AND digest = :digest AND used_at IS NULL""")
                    .bind("now", clock.instant()).bind("id", user.id()).bind("digest", RecoveryCodes.digest(recovery))
                    .execute();
            if (used == 1) {
                long remaining = h.createQuery("SELECT count(*) FROM recovery_codes WHERE user_id = :id AND used_at IS NULL")
                        .bind("id", user.id()).mapTo(Long.class).one();
                AuditLog.record(h, AuditEvent.RECOVERY_CODE_USED, actor, user.id(),
                        Map.of("purpose", purpose.dbName, "remaining", remaining));
                return new Accepted(true);
            }
        }
        return failed(h, actor, user, purpose, "wrong_code");
    }

    private boolean deleteFactors(Handle h, Actor actor, long userId, String proof) {
        int removed = h.createUpdate("DELETE FROM totp_factors WHERE user_id = :id AND confirmed_at IS NOT NULL")
                .bind("id", userId).execute();
        h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :id").bind("id", userId).execute();
        if (removed > 0) AuditLog.record(h, AuditEvent.AUTHENTICATOR_REMOVED, actor, userId, Map.of("proof", proof));
        return true;
    }

    private List<String> replaceRecoveryCodes(Handle h, Actor actor, long userId) {
        List<String> codes = RecoveryCodes.generate();
        h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :id").bind("id", userId).execute();
        var batch = h.prepareBatch("INSERT INTO recovery_codes (user_id, digest, created_at) VALUES (:id, :digest, :now)");
        for (String code : codes) {
            batch.bind("id", userId).bind("digest", RecoveryCodes.digest(RecoveryCodes.normalized(code)))
                    .bind("now", clock.instant()).add();
        }
        batch.execute();
        AuditLog.record(h, AuditEvent.RECOVERY_CODES_GENERATED, actor, userId, Map.of("codes", codes.size()));
        return codes;
    }

    private static Refused failed(Handle h, Actor actor, User user, Purpose purpose, String reason) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("purpose", purpose.dbName);
        details.put("reason", reason);
        AuditLog.record(h, AuditEvent.SECOND_FACTOR_FAILED, actor, user.id(), details);
        return new Refused("replayed".equals(reason));
    }

    private static String digits(String code) {
        return code == null ? "" : code.replaceAll("\\s", "");
    }

    // The secret is stored as base64 text so the cipher's string interface can carry its bytes.
    private byte[] seal(long userId, byte[] secret) {
        return cipher.encrypt(KeyCipher.Purpose.TOTP_SECRET, userId, Base64.getEncoder().encodeToString(secret));
    }

    private byte[] open(long userId, byte[] ciphertext) {
        return Base64.getDecoder().decode(cipher.decrypt(KeyCipher.Purpose.TOTP_SECRET, userId, ciphertext)
                .getBytes(StandardCharsets.US_ASCII));
    }
}
