package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.device.ClientName;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.Organization;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Every read and write of an API key: issuing one to a client, revealing, replacing. Each runs in
 * one transaction with its audit rows; the plaintext key exists only in memory, on its way out.
 */
public final class ApiKeyActions {
    /** Told, inside the transaction, whenever an existing key is replaced (not when a first key is issued). */
    public interface KeyReplacedListener {
        void keyReplaced(Handle handle, long userId);
    }

    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final KeyCache cache;
    private final Outbox outbox;
    private final String site;
    private final KeyReplacedListener keyReplaced;

    public ApiKeyActions(Jdbi jdbi, KeyCipher cipher, KeyCache cache, Outbox outbox, String site,
                         KeyReplacedListener keyReplaced) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.cache = cache;
        this.outbox = outbox;
        this.site = site;
        this.keyReplaced = keyReplaced;
    }

    /** Generates a new key for the user and logs out every device that used the old one. */
    public String regenerateKey(Actor actor, long userId) {
        return jdbi.inTransaction(h -> replaceKey(h, actor, userId));
    }

    /**
     * Replaces the key that authorized the request, but only if it is still the account's current
     * key when the change commits: of many parallel requests made with one key, exactly one wins,
     * so someone racing the owner with a leaked key cannot end up holding the only working key.
     * Empty when the presented key was replaced meanwhile.
     */
    public Optional<String> regenerateOwnKey(Actor actor, long userId, long presentedKeyId) {
        return jdbi.inTransaction(h -> {
            ApiKeyDao keys = h.attach(ApiKeyDao.class);
            keys.lockUser(userId);
            if (!keys.isCurrent(presentedKeyId, userId)) return Optional.<String>empty();
            return Optional.of(replaceKey(h, actor, userId));
        });
    }

    /**
     * Inside the caller's transaction: retires the current key (if any), stores a new one and
     * clears the user's devices. Returns the new key, which exists in plaintext only here.
     */
    public String replaceKey(Handle handle, Actor actor, long userId) {
        ApiKeyDao keys = handle.attach(ApiKeyDao.class);
        keys.lockUser(userId); // concurrent regenerations of one user's key take turns
        boolean hadKey = keys.revokeCurrent(userId) > 0;
        String key = ApiKeyFormat.generate();
        keys.insert(userId, Tokens.sha256(key), cipher.encrypt(userId, key));
        int devices = handle.attach(DeviceDao.class).deleteAllForUser(userId);
        AuditLog.record(handle, AuditEvent.API_KEY_CHANGED, actor, userId, Map.of("initial", !hadKey));
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
        }
        cache.announceChange(handle, userId);
        if (hadKey) keyReplaced.keyReplaced(handle, userId);
        return key;
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
     * fetch_api_key's transaction: records the client as a device of the account, e-mails a
     * notice when this client has never fetched the key before, and returns the key.
     */
    /** {@code client} is the client's name, as {@link ClientName#of} makes it. */
    public String issueToDevice(User user, String client, String userAgent, String ip, String purpose) {
        return jdbi.inTransaction(h -> {
            DeviceDao devices = h.attach(DeviceDao.class);
            boolean newClient = !devices.knowsClient(user.id(), client);
            h.attach(UserDao.class).recordLogin(user.id());
            devices.recordUse(user.id(), client, ClientName.truncatedUserAgent(userAgent), ip);
            if (newClient && !user.isBot()) {
                String org = h.attach(OrganizationDao.class).find().map(Organization::name).orElse("Keydesk");
                Emails.Email notice = Emails.newLogin(org, client, ip, Instant.now(), site + "/account");
                outbox.email(h, user.email(), notice.subject(), notice.body());
            }
            return revealKey(h, Actor.api(user.id(), ip), user.id(), purpose);
        });
    }
}
