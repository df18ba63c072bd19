package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.device.ClientName;
import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Every read and write of an API key: issuing one to a device, revealing, replacing (at once or
 * with a grace period for the old key), expiry, device logout. Each runs in one transaction with
 * its audit rows; the plaintext key exists only in memory, on its way out.
 */
public final class ApiKeyActions {
    /** The longest an old key may keep working after a rotation. */
    public static final Duration MAX_GRACE_PERIOD = Duration.ofDays(7);
    /**
     * Devices an account keeps logged in. A client that fetches a key every time it starts would
     * otherwise add a device (and a key every process may cache) on each run, forever: past this
     * many, the one that has gone longest without use is logged out.
     */
    public static final int MAX_DEVICES_PER_ACCOUNT = 100;

    /** Told, inside the transaction, when a bot's key reported as leaked has been replaced. */
    public interface BotKeyLeakedListener {
        void botKeyLeaked(Handle handle, long botId, LeakNotice where);
    }

    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final KeyCache cache;
    private final Outbox outbox;
    private final String site;
    private final KeyEventListener events;
    private final BotKeyLeakedListener botKeyLeaked;
    private final Clock clock;

    public ApiKeyActions(Jdbi jdbi, KeyCipher cipher, KeyCache cache, Outbox outbox, String site,
                         KeyEventListener events, BotKeyLeakedListener botKeyLeaked, Clock clock) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.cache = cache;
        this.outbox = outbox;
        this.site = site;
        this.events = events;
        this.botKeyLeaked = botKeyLeaked;
        this.clock = clock;
    }

    /** Generates a new key for the user; the old one and every device's key stop at once. */
    public String regenerateKey(Actor actor, long userId) {
        return jdbi.inTransaction(h -> replaceKey(h, actor, userId));
    }

    /** A bot's rotation: the old key keeps working for {@code grace} (zero: stops at once). */
    public Replaced regenerateKey(Actor actor, long userId, Duration grace) {
        return jdbi.inTransaction(h -> replaceKey(h, actor, userId, grace));
    }

    /** A new key, and when the old one stops working (null: it already has). */
    public record Replaced(String apiKey, Instant oldKeyWorksUntil) {}

    /**
     * Replaces the account's key on behalf of the key that authorized the request (the main key or
     * a device's), but only if that key still works when the change commits: of many parallel
     * requests made with one key, exactly one wins, so someone racing the owner with a leaked key
     * cannot end up holding the only working key. Empty when the presented key was replaced or
     * logged out meanwhile (or is an old key in its grace period, which may not replace the new one).
     */
    public Optional<String> regenerateOwnKey(Actor actor, long userId, long presentedKeyId) {
        return jdbi.inTransaction(h -> {
            ApiKeyDao keys = h.attach(ApiKeyDao.class);
            keys.lockUser(userId);
            if (!keys.isCurrentOrDevice(presentedKeyId, userId)) return Optional.<String>empty();
            return Optional.of(replaceKey(h, actor, userId));
        });
    }

    /**
     * Replaces the key with this id if it is still its account's current key when the change
     * commits (the Keys console acts on a key it looked up a moment ago). False when it was
     * replaced or retired meanwhile.
     */
    public boolean replaceIfCurrent(Actor actor, long keyId) {
        return jdbi.inTransaction(h -> replaceIfCurrent(h, actor, keyId));
    }

    public boolean replaceIfCurrent(Handle h, Actor actor, long keyId) {
        ApiKeyDao keys = h.attach(ApiKeyDao.class);
        Optional<Long> userId = keys.userOf(keyId);
        if (userId.isEmpty()) return false;
        keys.lockUser(userId.get());
        // A device's key or an old key in its grace period goes with the account's key: replacing
        // at once stops every key the account has.
        if (!keys.isLive(keyId, userId.get(), clock.instant())) return false;
        replaceKey(h, actor, userId.get());
        return true;
    }

    /**
     * Acts on one key reported as leaked, by its digest and by kind: a person's main key and a
     * bot's key are replaced (devices logged out; the owners e-mailed; a bot's webhook told), a key
     * that is no longer current is only recorded. Exactly once: the account is locked and the key
     * classified again before anything changes, so two reports of one key replace it once.
     * Nothing happens for a digest Keydesk never issued. The audit row names the key by id and
     * digest prefix, never the key.
     */
    public Optional<FoundKey> revokeLeaked(Actor actor, byte[] digest, LeakNotice where) {
        return jdbi.inTransaction(h -> revokeLeaked(h, actor, digest, where));
    }

    public Optional<FoundKey> revokeLeaked(Handle h, Actor actor, byte[] digest, LeakNotice where) {
        Optional<FoundKey> seen = KeyLookup.describe(h, digest, clock.instant());
        if (seen.isEmpty()) return seen;
        h.attach(ApiKeyDao.class).lockUser(seen.get().userId());
        FoundKey key = KeyLookup.describe(h, digest, clock.instant()).orElseThrow(); // as it is now that no change can race
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("key_id", key.keyId());
        details.put("key_digest", KeyLookup.digestPrefix(digest));
        details.put("kind", key.kind().wireName());
        if (where.url() != null) details.put("url", where.url());
        if (where.source() != null) details.put("source", where.source());
        String outcome = switch (key.kind()) {
            case MAIN -> {
                replace(h, actor, key.userId(), Duration.ZERO, Map.of("reason", "leaked"), false);
                if (key.accountActive()) {
                    Emails.Email mail = Emails.ownKeyLeaked(OrganizationName.current(h), foundAt(where), site + "/account");
                    outbox.email(h, key.email(), mail.subject(), mail.body());
                }
                yield "replaced";
            }
            case BOT -> {
                replace(h, actor, key.userId(), Duration.ZERO, Map.of("reason", "leaked"), false);
                tellBotOwners(h, key, where);
                yield "replaced";
            }
            case DEVICE -> {
                // A device key always has its device: logging the device out revokes the key.
                long deviceId = h.attach(ApiKeyDao.class).deviceOf(key.keyId()).orElseThrow();
                logOutDevice(h, actor, key.userId(), deviceId);
                if (key.accountActive()) {
                    Emails.Email mail = Emails.ownKeyLeaked(OrganizationName.current(h), foundAt(where), site + "/account");
                    outbox.email(h, key.email(), mail.subject(), mail.body());
                }
                yield "device logged out";
            }
            case GRACE -> {
                Instant now = clock.instant();
                h.attach(ApiKeyDao.class).endGracePeriod(key.keyId(), key.userId(), now);
                cache.announceChange(h, key.userId());
                events.oldKeyRetired(h, key.userId(), now);
                tellBotOwners(h, key, where);
                yield "grace period ended";
            }
            case NOT_CURRENT -> "none: not a current key";
        };
        details.put("outcome", outcome);
        AuditLog.record(h, AuditEvent.API_KEY_LEAK_REPORTED, actor, key.userId(), details);
        return Optional.of(key);
    }

    /**
     * The administrators' lookup: what Keydesk knows about the key with this value, found by its
     * digest. The lookup is audited (by the key's id and digest prefix); the key itself is
     * neither stored nor logged. Empty for a string that is not a key Keydesk issued.
     */
    public Optional<KeyLookup.Report> lookUp(Actor actor, String key) {
        boolean wellFormed = ApiKeyFormat.isWellFormed(key);
        byte[] digest = Tokens.sha256(key);
        return jdbi.inTransaction(h -> {
            Optional<FoundKey> found = wellFormed ? KeyLookup.describe(h, digest, clock.instant()) : Optional.empty();
            Map<String, Object> details = new LinkedHashMap<>();
            if (found.isPresent()) {
                details.put("key_id", found.get().keyId());
                details.put("key_digest", KeyLookup.digestPrefix(digest));
                details.put("kind", found.get().kind().wireName());
            } else {
                details.put("kind", wellFormed ? "unknown" : "malformed");
            }
            AuditLog.record(h, AuditEvent.API_KEY_LOOKED_UP, actor, found.map(FoundKey::userId).orElse(null), details);
            return found.map(k -> KeyLookup.report(h, k));
        });
    }

    private void tellBotOwners(Handle h, FoundKey key, LeakNotice where) {
        Emails.Email mail = Emails.botKeyLeaked(OrganizationName.current(h), key.fullName(), foundAt(where),
                site + "/bots/" + key.userId());
        for (String owner : h.attach(ApiKeyDao.class).activeBotOwnerEmails(key.userId())) {
            outbox.email(h, owner, mail.subject(), mail.body());
        }
        botKeyLeaked.botKeyLeaked(h, key.userId(), where);
    }

    private static String foundAt(LeakNotice where) {
        StringBuilder text = new StringBuilder();
        if (where.url() != null) text.append("  URL:    ").append(where.url()).append('\n');
        if (where.source() != null) text.append("  Source: ").append(where.source()).append('\n');
        return text.isEmpty() ? "  (the report did not say)\n" : text.toString();
    }

    /** Inside the caller's transaction: replaces the key at once, logging out every device. */
    public String replaceKey(Handle handle, Actor actor, long userId) {
        return replaceKey(handle, actor, userId, Duration.ZERO).apiKey();
    }

    /**
     * Inside the caller's transaction: stores a new key and clears the account's devices. With a
     * grace period the old main key becomes an old key that works until then; otherwise every key
     * of the account stops now. The new key gets a fresh lifetime: as long as the old one had,
     * within the organization's limit for bots. Returns the new key, in plaintext only here.
     */
    public Replaced replaceKey(Handle handle, Actor actor, long userId, Duration grace) {
        return replace(handle, actor, userId, grace, Map.of(), true);
    }

    /**
     * The replacement itself; {@code auditDetails} add to its audit row, and {@code announce}
     * says whether a bot's webhook hears of it as a regeneration (a leaked key is announced as
     * leaked instead).
     */
    private Replaced replace(Handle handle, Actor actor, long userId, Duration grace,
                             Map<String, ?> auditDetails, boolean announce) {
        if (grace.isNegative() || grace.compareTo(MAX_GRACE_PERIOD) > 0) {
            throw new InvalidInputException("The grace period must be between 0 and 7 days.");
        }
        ApiKeyDao keys = handle.attach(ApiKeyDao.class);
        keys.lockUser(userId); // concurrent regenerations of one user's key take turns
        Instant now = clock.instant();
        Optional<ApiKeyDao.Lifetime> old = keys.currentLifetime(userId);
        Instant expiresAt = freshExpiry(handle, userId, old.orElse(null), now);
        Instant oldUntil = null;
        if (!grace.isZero() && old.isPresent()) {
            oldUntil = now.plus(grace);
            Instant oldExpiry = old.get().expiresAt();
            if (oldExpiry != null && oldExpiry.isBefore(oldUntil)) oldUntil = oldExpiry; // never longer than it had
            if (!oldUntil.isAfter(now)) oldUntil = null;
        }
        boolean hadKey = old.isPresent();
        if (oldUntil != null) {
            keys.retireCurrent(userId, oldUntil);
            keys.revokeDeviceKeys(userId);
        } else {
            keys.revokeAll(userId);
        }
        String key = ApiKeyFormat.generate();
        keys.insert(userId, Tokens.sha256(key), cipher.encrypt(userId, key), expiresAt);
        int devices = handle.attach(DeviceDao.class).deleteAllForUser(userId);
        Map<String, Object> details = new LinkedHashMap<>(auditDetails);
        details.put("initial", !hadKey);
        if (oldUntil != null) details.put("old_key_works_until", oldUntil.toString());
        if (expiresAt != null) details.put("expires_at", expiresAt.toString());
        AuditLog.record(handle, AuditEvent.API_KEY_CHANGED, actor, userId, details);
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
        }
        cache.announceChange(handle, userId);
        if (hadKey && announce) events.replaced(handle, userId, oldUntil);
        return new Replaced(key, oldUntil);
    }

    /**
     * A new key's expiry: the old key's lifetime again if it had one, and for a bot never beyond
     * the organization's maximum lifetime (which also applies to a bot's first key).
     */
    private Instant freshExpiry(Handle handle, long userId, ApiKeyDao.Lifetime old, Instant now) {
        Instant expiry = old == null || old.expiresAt() == null ? null
                : now.plus(Duration.between(old.createdAt(), old.expiresAt()));
        Instant limit = botKeyLimit(handle, userId, now);
        if (limit != null && (expiry == null || expiry.isAfter(limit))) expiry = limit;
        return expiry;
    }

    /** The latest expiry the organization allows for this account's key; null when there is no limit. */
    private static Instant botKeyLimit(Handle handle, long userId, Instant now) {
        boolean bot = handle.attach(UserDao.class).findById(userId).map(User::isBot).orElse(false);
        int days = handle.attach(OrganizationDao.class).maxBotKeyLifetimeDays();
        return bot && days > 0 ? now.plus(Duration.ofDays(days)) : null;
    }

    /**
     * Sets (or, with null, removes) the expiry of a bot's current key, inside the caller's
     * transaction. A date in the past, or beyond the organization's maximum lifetime, is refused.
     * Warnings start over for the new date.
     */
    public void setExpiry(Handle handle, Actor actor, long userId, Instant expiresAt) {
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new InvalidInputException("The expiry must be in the future.");
        }
        Instant limit = botKeyLimit(handle, userId, now);
        if (limit != null && (expiresAt == null || expiresAt.isAfter(limit))) {
            long days = Duration.between(now, limit).toDays();
            throw new InvalidInputException("The organization allows bot keys to live at most " + days + " days.");
        }
        ApiKeyDao keys = handle.attach(ApiKeyDao.class);
        keys.lockUser(userId);
        Instant current = keys.currentLifetime(userId).map(ApiKeyDao.Lifetime::expiresAt).orElse(null);
        if (java.util.Objects.equals(current, expiresAt)) return;
        keys.setExpiry(userId, expiresAt);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("expires_at", expiresAt == null ? null : expiresAt.toString());
        AuditLog.record(handle, AuditEvent.API_KEY_EXPIRY_CHANGED, actor, userId, details);
        cache.announceChange(handle, userId); // cached entries carry the expiry
    }

    /** The owners' policy on bot keys: at most {@code days} days (null: no limit), for keys issued from now on. */
    public void setMaxBotKeyLifetime(Actor actor, Integer days) {
        if (days != null && (days < 1 || days > 3650)) {
            throw new InvalidInputException("The maximum lifetime must be between 1 and 3650 days.");
        }
        jdbi.useTransaction(h -> {
            OrganizationDao organization = h.attach(OrganizationDao.class);
            int before = organization.maxBotKeyLifetimeDays();
            if (before == (days == null ? 0 : days)) return;
            organization.setMaxBotKeyLifetimeDays(days);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("max_bot_key_lifetime_days", days);
            AuditLog.record(h, AuditEvent.KEY_POLICY_CHANGED, actor, null, details);
        });
    }

    /** Days, or 0 when the organization sets no limit. */
    public int maxBotKeyLifetimeDays() {
        return jdbi.withExtension(OrganizationDao.class, OrganizationDao::maxBotKeyLifetimeDays);
    }

    /** Ends an old key's grace period now; false when it had already ended (or is no old key of this account). */
    public boolean endGracePeriod(Actor actor, long userId, long keyId) {
        return jdbi.inTransaction(h -> {
            ApiKeyDao keys = h.attach(ApiKeyDao.class);
            keys.lockUser(userId);
            Instant now = clock.instant();
            if (keys.endGracePeriod(keyId, userId, now) == 0) return false;
            AuditLog.record(h, AuditEvent.OLD_KEY_RETIRED, actor, userId, Map.of("key_id", keyId, "early", true));
            cache.announceChange(h, userId);
            events.oldKeyRetired(h, userId, now);
            return true;
        });
    }

    /** Logs one device out: its key stops working in every process; false when it was already gone. */
    public boolean logOutDevice(Actor actor, long userId, long deviceId) {
        return jdbi.inTransaction(h -> logOutDevice(h, actor, userId, deviceId));
    }

    /** Inside the caller's transaction: as {@link #logOutDevice(Actor, long, long)}. */
    public boolean logOutDevice(Handle h, Actor actor, long userId, long deviceId) {
        h.attach(ApiKeyDao.class).lockUser(userId);
        DeviceDao devices = h.attach(DeviceDao.class);
        Optional<Device> device = devices.find(userId, deviceId);
        if (device.isEmpty()) return false;
        h.attach(ApiKeyDao.class).revokeDeviceKey(userId, deviceId);
        devices.delete(userId, deviceId);
        AuditLog.record(h, AuditEvent.DEVICE_LOGGED_OUT, actor, userId,
                Map.of("device_id", deviceId, "client", device.get().client(), "device_ip", device.get().ip()));
        cache.announceChange(h, userId);
        return true;
    }

    /**
     * Inside the caller's transaction: every device of the account is logged out (after a new
     * password, no key fetched with the old one works). Returns how many were.
     */
    public int logOutAllDevices(Handle handle, Actor actor, long userId) {
        int keys = handle.attach(ApiKeyDao.class).revokeDeviceKeys(userId);
        int devices = handle.attach(DeviceDao.class).deleteAllForUser(userId);
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
        }
        if (keys > 0 || devices > 0) cache.announceChange(handle, userId);
        return devices;
    }

    /** Decrypts the user's current key for display or download, and records that it was shown. */
    public String revealKey(Actor actor, long userId, String purpose) {
        return jdbi.inTransaction(h -> revealKey(h, actor, userId, purpose));
    }

    public String revealKey(Handle handle, Actor actor, long userId, String purpose) {
        Revealed key = currentKeys(handle, List.of(userId)).get(userId);
        if (key == null) throw new IllegalStateException("User " + userId + " has no current API key");
        AuditLog.record(handle, AuditEvent.API_KEY_REVEALED, actor, userId, Map.of("purpose", purpose));
        return key.apiKey();
    }

    /** A current key as revealed, and when it expires (null: never), read with it. */
    public record Revealed(String apiKey, Instant expiresAt) {}

    /**
     * The current keys of several accounts, read together; one audit row naming every key revealed.
     * {@code accounts} maps each account's id to its address, which the audit row keeps.
     */
    public Map<Long, Revealed> revealKeys(Actor actor, Map<Long, String> accounts, String purpose) {
        if (accounts.isEmpty()) return Map.of();
        return jdbi.inTransaction(h -> {
            Map<Long, Revealed> keys = currentKeys(h, accounts.keySet());
            SortedMap<Long, String> revealed = new TreeMap<>();
            for (Long id : keys.keySet()) revealed.put(id, accounts.get(id));
            AuditLog.recordForAll(h, AuditEvent.API_KEY_REVEALED, actor, revealed, Map.of("purpose", purpose));
            return keys;
        });
    }

    /** The decrypted current main keys of those of {@code userIds} that have one. */
    private Map<Long, Revealed> currentKeys(Handle handle, Collection<Long> userIds) {
        long[] ids = userIds.stream().mapToLong(Long::longValue).toArray();
        Map<Long, Revealed> keys = new LinkedHashMap<>();
        for (ApiKeyDao.StoredKey stored : handle.attach(ApiKeyDao.class).findCurrentCiphertexts(ids)) {
            keys.put(stored.userId(), new Revealed(cipher.decrypt(stored.userId(), stored.ciphertext()), stored.expiresAt()));
        }
        return keys;
    }

    /**
     * dev_fetch_api_key's transaction (no password is asked): records the client as a new device
     * of the account with a key of its own, as {@link #issueToDevice(Handle, User, String, String, String, String, String)}
     * does. Empty when the account was deactivated meanwhile.
     */
    public Optional<String> issueToDevice(User user, String client, String userAgent, String ip, String purpose) {
        return jdbi.inTransaction(h -> issueToDevice(h, user, null, client, userAgent, ip, purpose));
    }

    /**
     * fetch_api_key's work after the password check, inside its transaction (which also forgives
     * the password attempt): records the client as a new device of the account with a key of its
     * own, e-mails the account when no device it keeps logged in has this client, user agent and
     * address, and returns the device's key (never stored in a form that can be shown again).
     * {@code client} is the client's name, as {@link ClientName#of} makes it; {@code checkedHash}
     * the password hash the password was verified against. Empty, with nothing written, when the
     * password changed (or the account was deactivated) while the password was being checked.
     *
     * <p>Why the combination and not the name alone: the name is whatever the caller says, so
     * someone holding the password could name a client the account already uses and go
     * unnoticed; the address is the one thing the caller cannot choose. Why not every key: a
     * client that fetches a key each time it starts would mail its owner on every start. A device
     * that used its key from an address has been seen there, so a phone moving between a few
     * networks is told about once per network, not once per start.
     */
    public Optional<String> issueToDevice(Handle h, User user, String checkedHash, String client, String userAgent,
                                          String ip, String purpose) {
        String key = ApiKeyFormat.generate();
        Actor actor = Actor.api(user.id(), ip);
        String agent = ClientName.truncatedUserAgent(userAgent);
        var issued = ApiKeyDao.issueDeviceKey(h, user.id(), checkedHash, client, agent, ip,
                Tokens.sha256(key), MAX_DEVICES_PER_ACCOUNT,
                new AuditLog.Row(AuditEvent.DEVICE_KEY_ISSUED, actor, Map.of("purpose", purpose, "client", client)),
                new AuditLog.Row(AuditEvent.DEVICES_LOGGED_OUT, actor, Map.of("over_limit", MAX_DEVICES_PER_ACCOUNT)),
                clock.instant());
        if (issued.isEmpty()) return Optional.empty();
        if (issued.get().loggedOut() > 0) cache.announceChange(h, user.id());
        if (issued.get().newCombination() && !user.isBot()) {
            String org = OrganizationName.current(h);
            Emails.Email notice = Emails.newLogin(org, client, agent, ip, clock.instant(), site + "/account");
            outbox.email(h, user.email(), notice.subject(), notice.body());
        }
        // Otherwise not announced: the account's other keys are unchanged, and no process can
        // remember this key as unknown, since it was made just now at random and never presented before.
        return Optional.of(key);
    }
}
