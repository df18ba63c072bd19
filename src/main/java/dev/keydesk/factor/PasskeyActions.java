package dev.keydesk.factor;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.authenticator.COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.ClientDataType;
import com.webauthn4j.data.client.CollectedClientData;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.converter.util.ObjectConverter;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Passkeys (WebAuthn credentials): registering one, the checks of one at sign-in (after the
 * password, or alone) and before a key is shown, listing and removing them. Every check of the
 * ceremony itself (client data, origin, RP ID hash, flags, signature, counter, attestation
 * object) is webauthn4j's; this class keeps the challenges and the stored credentials.
 *
 * <p>A challenge is made here, kept as a digest with what it is for (and for whom, when known),
 * and taken at most once, before it expires: a replayed or made-up response finds none.
 */
public final class PasskeyActions {
    /** How long a challenge may be answered; the browser is given the same time. */
    public static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(2);
    public static final int MAX_NAME_LENGTH = 60;
    public static final int MAX_PER_ACCOUNT = 20;
    /** A credential's JSON is a few kilobytes at most; anything much larger is not one. */
    public static final int MAX_RESPONSE_LENGTH = 32_768;

    /** What a challenge is for; the names are what the database stores. */
    public enum Ceremony {
        REGISTER("register"), SIGN_IN("sign_in"), SECOND_FACTOR("second_factor"), STEP_UP("step_up");

        private final String dbName;

        Ceremony(String dbName) {
            this.dbName = dbName;
        }
    }

    /** A passkey as the Sign-in security section lists it. */
    public record Passkey(long id, String name, Instant createdAt, Instant lastUsedAt) {}

    public sealed interface Outcome permits Verified, Refused, Cloned {}

    /** The passkey answered its challenge: {@code userId} is whose it is. */
    public record Verified(long userId, long passkeyId) implements Outcome {}

    /** Not accepted; {@code reason} is what the audit row says (never shown as is). */
    public record Refused(String reason) implements Outcome {}

    /** The signature was right but the counter did not grow: a copy of the authenticator may be in use. */
    public record Cloned(long userId, String name) implements Outcome {}

    private static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

    private final Jdbi jdbi;
    private final Clock clock;
    private final PasswordCheck passwords;
    private final String rpId;
    private final Origin origin;
    private final ObjectConverter converter = new ObjectConverter();
    // Attestation is not asked for ("none"), so no statement is checked against a trust root.
    private final WebAuthnManager manager = WebAuthnManager.createNonStrictWebAuthnManager(converter);

    /** {@code externalUrl}: where people reach Keydesk; its origin and host are the only ones accepted. */
    public PasskeyActions(Jdbi jdbi, Clock clock, PasswordCheck passwords, URI externalUrl) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.passwords = passwords;
        this.rpId = externalUrl.getHost().toLowerCase(java.util.Locale.ROOT);
        this.origin = new Origin(origin(externalUrl));
    }

    static String origin(URI url) {
        int port = url.getPort();
        return url.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + url.getHost().toLowerCase(java.util.Locale.ROOT)
                + (port > 0 ? ":" + port : "");
    }

    public String rpId() {
        return rpId;
    }

    public List<Passkey> list(long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = :id ORDER BY created_at, id""")
                .bind("id", userId)
                .map((rs, ctx) -> new Passkey(rs.getLong("id"), rs.getString("name"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        Optional.ofNullable(rs.getObject("last_used_at", OffsetDateTime.class)).map(OffsetDateTime::toInstant).orElse(null)))
                .list());
    }

    public boolean hasPasskey(long userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM passkeys WHERE user_id = :id)")
                .bind("id", userId).mapTo(Boolean.class).one());
    }

    // ---------------------------------------------------------------- options for the browser

    /**
     * What {@code navigator.credentials.create} needs to make a passkey for {@code user}: a new
     * challenge, this server as the relying party, the account's user handle, and the account's
     * passkeys to exclude (so one authenticator is not registered twice). Discoverable and
     * verified (PIN or biometrics), since a passkey may also sign in on its own.
     */
    public Map<String, Object> registrationOptions(User user, String organization) {
        byte[] challenge = newChallenge();
        return jdbi.inTransaction(h -> {
            store(h, challenge, Ceremony.REGISTER, user.id());
            byte[] handle = userHandle(h, user.id());
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("challenge", b64(challenge));
            options.put("rp", Map.of("id", rpId, "name", organization == null || organization.isBlank() ? "Keydesk" : organization));
            options.put("user", Map.of("id", b64(handle), "name", user.email(), "displayName", user.fullName()));
            options.put("pubKeyCredParams", ALGORITHMS.stream()
                    .map(p -> Map.of("type", "public-key", "alg", p.getAlg().getValue())).toList());
            options.put("timeout", CHALLENGE_LIFETIME.toMillis());
            options.put("attestation", "none");
            options.put("authenticatorSelection", Map.of("residentKey", "required", "requireResidentKey", true,
                    "userVerification", "required"));
            options.put("excludeCredentials", credentialIds(h, user.id()));
            return options;
        });
    }

    /**
     * What {@code navigator.credentials.get} needs: a new challenge for {@code ceremony}, bound to
     * {@code userId} when it is known (then only that account's passkeys are offered); for a
     * sign-in with a passkey alone, none is named and the browser offers the passkeys it holds.
     */
    public Map<String, Object> assertionOptions(Ceremony ceremony, Long userId) {
        byte[] challenge = newChallenge();
        return jdbi.inTransaction(h -> {
            store(h, challenge, ceremony, userId);
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("challenge", b64(challenge));
            options.put("rpId", rpId);
            options.put("timeout", CHALLENGE_LIFETIME.toMillis());
            options.put("userVerification", "required");
            options.put("allowCredentials", userId == null ? List.of() : credentialIds(h, userId));
            return options;
        });
    }

    // ---------------------------------------------------------------- registration

    /**
     * Checks the browser's answer to a registration challenge and keeps the new passkey under
     * {@code name}. A wrong answer is refused with a 400 and an audit row; the challenge is spent
     * either way.
     */
    public Passkey register(Actor actor, User user, String name, String response) {
        String cleanName = name(name);
        RegistrationData data;
        byte[] challenge;
        try {
            data = manager.parseRegistrationResponseJSON(bounded(response));
            challenge = challengeOf(data.getCollectedClientData(), ClientDataType.WEBAUTHN_CREATE);
        } catch (RuntimeException e) {
            // Whatever the parser throws on input it cannot read (Jackson's own exceptions too) is a refusal.
            throw refuseRegistration(actor, user, "malformed");
        }
        if (!take(challenge, Ceremony.REGISTER, user.id())) throw refuseRegistration(actor, user, "bad_challenge");
        try {
            manager.verify(data, new RegistrationParameters(serverProperty(challenge), ALGORITHMS, true, true));
        } catch (RuntimeException e) {
            // The same for what the checks cannot make sense of.
            throw refuseRegistration(actor, user, "invalid");
        }
        AuthenticatorData<?> authenticator = data.getAttestationObject().getAuthenticatorData();
        AttestedCredentialData credential = authenticator.getAttestedCredentialData();
        byte[] publicKey = converter.getCborConverter().writeValueAsBytes(credential.getCOSEKey());
        Instant now = clock.instant();
        return jdbi.inTransaction(h -> {
            byte[] handle = userHandle(h, user.id());
            long count = h.createQuery("SELECT count(*) FROM passkeys WHERE user_id = :id").bind("id", user.id())
                    .mapTo(Long.class).one();
            if (count >= MAX_PER_ACCOUNT) {
                throw new InvalidInputException("You have " + MAX_PER_ACCOUNT + " passkeys, the most an account may have. Remove one first.");
            }
            Optional<Long> id = h.createQuery("""
                            INSERT INTO passkeys (user_id, name, credential_id, public_key, aaguid, sign_count, user_handle,
                                                  uv_initialized, backup_eligible, backup_state, created_at)
                            VALUES (:user, :name, :credential, :key, :aaguid, :count, :handle, :uv, :be, :bs, :now)
                            ON CONFLICT (credential_id) DO NOTHING RETURNING id""")
                    .bind("user", user.id()).bind("name", cleanName).bind("credential", credential.getCredentialId())
                    .bind("key", publicKey).bind("aaguid", credential.getAaguid().getBytes())
                    .bind("count", authenticator.getSignCount()).bind("handle", handle)
                    .bind("uv", authenticator.isFlagUV()).bind("be", authenticator.isFlagBE()).bind("bs", authenticator.isFlagBS())
                    .bind("now", now)
                    .mapTo(Long.class).findOne();
            if (id.isEmpty()) throw new InvalidInputException("This passkey is already registered.");
            AuditLog.record(h, AuditEvent.PASSKEY_ADDED, actor, user.id(), Map.of("name", cleanName));
            return new Passkey(id.get(), cleanName, now, null);
        });
    }

    private InvalidInputException refuseRegistration(Actor actor, User user, String reason) {
        jdbi.useTransaction(h -> refused(h, actor, user.id(), Ceremony.REGISTER, reason));
        return new InvalidInputException("bad_challenge".equals(reason)
                ? "That passkey request expired or was already answered. Try adding the passkey again."
                : "The browser's answer could not be accepted as a passkey. Try adding the passkey again.");
    }

    // ---------------------------------------------------------------- assertions

    /**
     * Checks the browser's answer to a sign-in, second-factor or step-up challenge. With
     * {@code expectedUserId} the challenge and the passkey must both be that account's; without
     * (a sign-in with the passkey alone) the passkey names the account, which must be active.
     * On success the counter and the time of last use are kept. Refusals are audited.
     */
    public Outcome verify(Ceremony ceremony, Long expectedUserId, String response, String ip) {
        AuthenticationData data;
        byte[] challenge;
        try {
            data = manager.parseAuthenticationResponseJSON(bounded(response));
            challenge = challengeOf(data.getCollectedClientData(), ClientDataType.WEBAUTHN_GET);
            if (data.getCredentialId() == null) throw new IllegalArgumentException("no credential id");
        } catch (RuntimeException e) {
            // Whatever the parser throws on input it cannot read (Jackson's own exceptions too) is a refusal.
            return refusedAlone(expectedUserId, ip, ceremony, "malformed");
        }
        return jdbi.inTransaction(h -> {
            int taken = h.createUpdate("""
                            DELETE FROM passkey_challenges
                            WHERE digest = :digest AND purpose = :purpose AND user_id IS NOT DISTINCT FROM :user AND expires_at > :now""")
                    .bind("digest", digest(challenge)).bind("purpose", ceremony.dbName).bind("user", expectedUserId)
                    .bind("now", clock.instant()).execute();
            if (taken == 0) return refused(h, actor(expectedUserId, ip), expectedUserId, ceremony, "bad_challenge");
            Optional<Stored> found = h.createQuery("""
                            SELECT id, user_id, name, public_key, aaguid, sign_count, user_handle, uv_initialized, backup_eligible,
                                   backup_state FROM passkeys WHERE credential_id = :credential FOR UPDATE""")
                    .bind("credential", data.getCredentialId())
                    .map((rs, ctx) -> new Stored(rs.getLong("id"), rs.getLong("user_id"), rs.getString("name"),
                            rs.getBytes("public_key"), rs.getBytes("aaguid"), rs.getLong("sign_count"), rs.getBytes("user_handle"),
                            rs.getBoolean("uv_initialized"), rs.getBoolean("backup_eligible"), rs.getBoolean("backup_state")))
                    .findOne();
            if (found.isEmpty() || (expectedUserId != null && found.get().userId() != expectedUserId)) {
                return refused(h, actor(expectedUserId, ip), expectedUserId, ceremony, "unknown_passkey");
            }
            Stored stored = found.get();
            Actor actor = Actor.user(stored.userId(), ip);
            // The user handle, where the authenticator sends one, must be the one this passkey was made with.
            if (data.getUserHandle() != null && !Arrays.equals(data.getUserHandle(), stored.userHandle())) {
                return refused(h, actor, stored.userId(), ceremony, "wrong_user_handle");
            }
            boolean active = h.attach(UserDao.class).findById(stored.userId()).filter(User::isActive).isPresent();
            if (!active) return refused(h, actor, stored.userId(), ceremony, "inactive_account");
            try {
                manager.verify(data, new AuthenticationParameters(serverProperty(challenge), record(stored, data.getCredentialId()),
                        List.of(data.getCredentialId()), true, true));
            } catch (MaliciousCounterValueException e) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("purpose", ceremony.dbName);
                details.put("name", stored.name());
                details.put("stored_count", stored.signCount());
                details.put("presented_count", data.getAuthenticatorData() == null ? -1 : data.getAuthenticatorData().getSignCount());
                AuditLog.record(h, AuditEvent.PASSKEY_COUNTER_REFUSED, actor, stored.userId(), details);
                return new Cloned(stored.userId(), stored.name());
            } catch (RuntimeException e) {
                // The same for what the checks cannot make sense of.
                return refused(h, actor, stored.userId(), ceremony, "invalid");
            }
            AuthenticatorData<?> authenticator = data.getAuthenticatorData();
            h.createUpdate("""
                            UPDATE passkeys SET sign_count = :count, backup_state = :bs, last_used_at = :now WHERE id = :id""")
                    .bind("count", authenticator.getSignCount()).bind("bs", authenticator.isFlagBS())
                    .bind("now", clock.instant()).bind("id", stored.id()).execute();
            return new Verified(stored.userId(), stored.id());
        });
    }

    private record Stored(long id, long userId, String name, byte[] publicKey, byte[] aaguid, long signCount,
                          byte[] userHandle, boolean uvInitialized, boolean backupEligible, boolean backupState) {}

    private CredentialRecordImpl record(Stored stored, byte[] credentialId) {
        COSEKey key = converter.getCborConverter().readValue(stored.publicKey(), COSEKey.class);
        return new CredentialRecordImpl(new NoneAttestationStatement(), stored.uvInitialized(), stored.backupEligible(),
                stored.backupState(), stored.signCount(), new AttestedCredentialData(new AAGUID(stored.aaguid()), credentialId, key),
                null, null, null, null);
    }

    /** The person a refusal is about, where known; before a passkey names anyone, nobody. */
    private static Actor actor(Long userId, String ip) {
        return userId == null ? new Actor(null, ip, "web") : Actor.user(userId, ip);
    }

    private Refused refusedAlone(Long userId, String ip, Ceremony ceremony, String reason) {
        return jdbi.inTransaction(h -> refused(h, actor(userId, ip), userId, ceremony, reason));
    }

    private static Refused refused(Handle h, Actor actor, Long userId, Ceremony ceremony, String reason) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("purpose", ceremony.dbName);
        details.put("reason", reason);
        AuditLog.record(h, AuditEvent.PASSKEY_REFUSED, actor, userId, details);
        return new Refused(reason);
    }

    // ---------------------------------------------------------------- removal

    /** Whether removing this passkey leaves the account with no second factor (no other passkey, no app). */
    public boolean isLastFactor(long userId, long passkeyId) {
        return jdbi.withHandle(h -> lastFactor(h, userId, passkeyId));
    }

    private static boolean lastFactor(Handle h, long userId, long passkeyId) {
        return h.createQuery("""
                        SELECT NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = :user AND id <> :id)
                           AND NOT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = :user AND confirmed_at IS NOT NULL)""")
                .bind("user", userId).bind("id", passkeyId).mapTo(Boolean.class).one();
    }

    /** The account's passkey {@code passkeyId}, or a 404 when it has none of that id. */
    public Passkey find(long userId, long passkeyId) {
        return list(userId).stream().filter(p -> p.id() == passkeyId).findFirst()
                .orElseThrow(() -> new NotFoundException("There is no such passkey: it may have been removed already."));
    }

    /**
     * Removes one passkey. The last second factor of an account goes only with the password, as
     * the authenticator app does; any other passkey with the confirmation alone (the session
     * began with a second factor).
     */
    public SecondFactorActions.Check remove(Actor actor, User user, long passkeyId, String password, String ip) {
        Passkey passkey = find(user.id(), passkeyId);
        if (!isLastFactor(user.id(), passkeyId)) {
            boolean removed = jdbi.inTransaction(h -> {
                // Checked again under the lock of the account's passkeys: two removals at once cannot both pass.
                h.createQuery("SELECT id FROM passkeys WHERE user_id = :user FOR UPDATE").bind("user", user.id()).mapTo(Long.class).list();
                return !lastFactor(h, user.id(), passkeyId) && delete(h, actor, user.id(), passkey, "confirmation");
            });
            if (removed) return new SecondFactorActions.Accepted(false);
        }
        if (password == null || password.isEmpty()) return new SecondFactorActions.Refused(false);
        PasswordCheck.Outcome<Boolean> outcome = passwords.check(user.email(), password, ip,
                (h, checked, hash) -> checked.id() == user.id() && delete(h, actor, user.id(), passkey, "password"));
        if (outcome instanceof PasswordCheck.RateLimited<Boolean> limited) return new SecondFactorActions.RateLimited(limited.retryAfter());
        if (outcome instanceof PasswordCheck.Verified<Boolean> verified && verified.opened()) return new SecondFactorActions.Accepted(false);
        jdbi.useTransaction(h -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("purpose", "remove");
            details.put("reason", "wrong_password");
            AuditLog.record(h, AuditEvent.PASSKEY_REFUSED, actor, user.id(), details);
        });
        return new SecondFactorActions.Refused(false);
    }

    private static boolean delete(Handle h, Actor actor, long userId, Passkey passkey, String proof) {
        int removed = h.createUpdate("DELETE FROM passkeys WHERE id = :id AND user_id = :user")
                .bind("id", passkey.id()).bind("user", userId).execute();
        if (removed > 0) {
            AuditLog.record(h, AuditEvent.PASSKEY_REMOVED, actor, userId, Map.of("name", passkey.name(), "proof", proof));
        }
        return removed > 0;
    }

    // ---------------------------------------------------------------- helpers

    /** A passkey's name as entered: trimmed, not empty, at most {@link #MAX_NAME_LENGTH} characters, no control characters. */
    static String name(String name) {
        String s = name == null ? "" : name.strip();
        if (s.isEmpty()) throw new InvalidInputException("Give the passkey a name, such as the device it is on.");
        if (s.length() > MAX_NAME_LENGTH) {
            throw new InvalidInputException("A passkey's name may be at most " + MAX_NAME_LENGTH + " characters long.");
        }
        if (s.chars().anyMatch(Character::isISOControl)) throw new InvalidInputException("A passkey's name cannot hold control characters.");
        return s;
    }

    private static String bounded(String response) {
        if (response == null || response.isBlank()) throw new IllegalArgumentException("no response");
        if (response.length() > MAX_RESPONSE_LENGTH) throw new IllegalArgumentException("response too long");
        return response;
    }

    private static byte[] challengeOf(CollectedClientData clientData, ClientDataType expected) {
        if (clientData == null || clientData.getChallenge() == null || clientData.getType() != expected) {
            throw new IllegalArgumentException("no challenge of the expected ceremony");
        }
        return clientData.getChallenge().getValue();
    }

    private ServerProperty serverProperty(byte[] challenge) {
        return ServerProperty.builder().origin(origin).rpId(rpId).challenge(new DefaultChallenge(challenge)).build();
    }

    private static byte[] newChallenge() {
        byte[] challenge = new byte[32];
        Tokens.random().nextBytes(challenge);
        return challenge;
    }

    private void store(Handle h, byte[] challenge, Ceremony ceremony, Long userId) {
        // Expired rows go here rather than in a job of their own: each lives only minutes.
        h.createUpdate("DELETE FROM passkey_challenges WHERE expires_at < :now").bind("now", clock.instant()).execute();
        h.createUpdate("""
                        INSERT INTO passkey_challenges (digest, purpose, user_id, expires_at)
                        VALUES (:digest, :purpose, :user, :expires)""")
                .bind("digest", digest(challenge)).bind("purpose", ceremony.dbName).bind("user", userId)
                .bind("expires", clock.instant().plus(CHALLENGE_LIFETIME)).execute();
    }

    /** Takes the challenge once: true only for the first answer within its lifetime, for this ceremony and person. */
    private boolean take(byte[] challenge, Ceremony ceremony, Long userId) {
        return jdbi.inTransaction(h -> h.createUpdate("""
                        DELETE FROM passkey_challenges
                        WHERE digest = :digest AND purpose = :purpose AND user_id IS NOT DISTINCT FROM :user AND expires_at > :now""")
                .bind("digest", digest(challenge)).bind("purpose", ceremony.dbName).bind("user", userId)
                .bind("now", clock.instant()).execute() == 1);
    }

    private static byte[] userHandle(Handle h, long userId) {
        byte[] fresh = new byte[32];
        Tokens.random().nextBytes(fresh);
        h.createUpdate("INSERT INTO passkey_user_handles (user_id, handle) VALUES (:id, :handle) ON CONFLICT (user_id) DO NOTHING")
                .bind("id", userId).bind("handle", fresh).execute();
        return h.createQuery("SELECT handle FROM passkey_user_handles WHERE user_id = :id").bind("id", userId)
                .mapTo(byte[].class).one();
    }

    private static List<Map<String, String>> credentialIds(Handle h, long userId) {
        return h.createQuery("SELECT credential_id FROM passkeys WHERE user_id = :id ORDER BY id").bind("id", userId)
                .mapTo(byte[].class).list().stream().map(id -> Map.of("type", "public-key", "id", b64(id))).toList();
    }

    private static byte[] digest(byte[] challenge) {
        return Tokens.sha256("passkey-challenge:" + b64(challenge));
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
