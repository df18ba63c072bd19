package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.device.ClientName;
import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.Organization;
import dev.keydesk.organization.OrganizationDao;
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

    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final KeyCache cache;
    private final Outbox outbox;
    private final String site;
    private final KeyEventListener events;
    private final Clock clock;

    public ApiKeyActions(Jdbi jdbi, KeyCipher cipher, KeyCache cache, Outbox outbox, String site,
                         KeyEventListener events, Clock clock) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.cache = cache;
        this.outbox = outbox;
        this.site = site;
        this.events = events;
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
     * Replaces the key that authorized the request, but only if it is still the account's current
     * key when the change commits: of many parallel requests made with one key, exactly one wins,
     * so someone racing the owner with a leaked key cannot end up holding the only working key.
     * Empty when the presented key was replaced meanwhile (or is not the main key).
     */
    public Optional<String> regenerateOwnKey(Actor actor, long userId, long presentedKeyId) {
        return jdbi.inTransaction(h -> {
            ApiKeyDao keys = h.attach(ApiKeyDao.class);
            keys.lockUser(userId);
            if (!keys.isCurrent(presentedKeyId, userId)) return Optional.<String>empty();
            return Optional.of(replaceKey(h, actor, userId));
        });
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
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("initial", !hadKey);
        if (oldUntil != null) details.put("old_key_works_until", oldUntil.toString());
        if (expiresAt != null) details.put("expires_at", expiresAt.toString());
        AuditLog.record(handle, AuditEvent.API_KEY_CHANGED, actor, userId, details);
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
        }
        cache.announceChange(handle, userId);
        if (hadKey) events.replaced(handle, userId, oldUntil);
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
        return jdbi.inTransaction(h -> {
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
        });
    }

    /**
     * Inside the caller's transaction: every device of the account is logged out (a deactivated
     * account comes back with its main key only). Returns how many were.
     */
    public int logOutAllDevices(Handle handle, Actor actor, long userId) {
        handle.attach(ApiKeyDao.class).revokeDeviceKeys(userId);
        int devices = handle.attach(DeviceDao.class).deleteAllForUser(userId);
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
            cache.announceChange(handle, userId);
        }
        return devices;
    }

    /** Decrypts the user's current key for display or download, and records that it was shown. */
    public String revealKey(Actor actor, long userId, String purpose) {
        return jdbi.inTransaction(h -> revealKey(h, actor, userId, purpose));
    }

    public String revealKey(Handle handle, Actor actor, long userId, String purpose) {
        String key = revealKeys(handle, actor, List.of(userId), purpose).get(userId);
        if (key == null) throw new IllegalStateException("User " + userId + " has no current API key");
        return key;
    }

    /** The current keys of several accounts, read together; one audit row naming every key revealed. */
    public Map<Long, String> revealKeys(Actor actor, Collection<Long> userIds, String purpose) {
        if (userIds.isEmpty()) return Map.of();
        return jdbi.inTransaction(h -> revealKeys(h, actor, userIds, purpose));
    }

    private Map<Long, String> revealKeys(Handle handle, Actor actor, Collection<Long> userIds, String purpose) {
        long[] ids = userIds.stream().mapToLong(Long::longValue).toArray();
        Map<Long, String> keys = new LinkedHashMap<>();
        for (ApiKeyDao.StoredKey stored : handle.attach(ApiKeyDao.class).findCurrentCiphertexts(ids)) {
            keys.put(stored.userId(), cipher.decrypt(stored.userId(), stored.ciphertext()));
        }
        AuditLog.recordForAll(handle, AuditEvent.API_KEY_REVEALED, actor, keys.keySet(), Map.of("purpose", purpose));
        return keys;
    }

    /**
     * fetch_api_key's one transaction after the password check: records the client as a new
     * device of the account with a key of its own, e-mails a notice when this client never
     * fetched a key before, and returns the device's key (never stored in a form that can be
     * shown again). {@code client} is the client's name, as {@link ClientName#of} makes it.
     */
    public String issueToDevice(User user, String client, String userAgent, String ip, String purpose) {
        return jdbi.inTransaction(h -> {
            DeviceDao devices = h.attach(DeviceDao.class);
            boolean newClient = !devices.knowsClient(user.id(), client);
            long deviceId = devices.insert(user.id(), client, ClientName.truncatedUserAgent(userAgent), ip);
            String key = ApiKeyFormat.generate();
            h.attach(ApiKeyDao.class).insertDeviceKey(user.id(), Tokens.sha256(key), deviceId);
            h.attach(UserDao.class).recordLogin(user.id());
            if (newClient && !user.isBot()) {
                String org = h.attach(OrganizationDao.class).find().map(Organization::name).orElse("Keydesk");
                Emails.Email notice = Emails.newLogin(org, client, ip, clock.instant(), site + "/account");
                outbox.email(h, user.email(), notice.subject(), notice.body());
            }
            AuditLog.record(h, AuditEvent.DEVICE_KEY_ISSUED, Actor.api(user.id(), ip), user.id(),
                    Map.of("purpose", purpose, "device_id", deviceId, "client", client));
            // A new key is announced like any key change, so no process keeps it as a known miss.
            cache.announceChange(h, user.id());
            return key;
        });
    }
}
