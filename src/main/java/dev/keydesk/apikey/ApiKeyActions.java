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

    /** Told, inside the transaction, when a bot's key reported as leaked has been replaced. */
    public interface BotKeyLeakedListener {
        void botKeyLeaked(Handle handle, long botId, LeakNotice where);
    }

    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final KeyCache cache;
    private final Outbox outbox;
    private final String site;
    private final KeyReplacedListener keyReplaced;
    private final BotKeyLeakedListener botKeyLeaked;

    public ApiKeyActions(Jdbi jdbi, KeyCipher cipher, KeyCache cache, Outbox outbox, String site,
                         KeyReplacedListener keyReplaced, BotKeyLeakedListener botKeyLeaked) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.cache = cache;
        this.outbox = outbox;
        this.site = site;
        this.keyReplaced = keyReplaced;
        this.botKeyLeaked = botKeyLeaked;
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
     * clears the user's devices. Returns the new key, which exists in plaintext only here. A
     * replaced bot key is announced to the bot's webhook as regenerated.
     */
    public String replaceKey(Handle handle, Actor actor, long userId) {
        Issued issued = retireAndIssue(handle, actor, userId, Map.of());
        if (issued.replacedOne()) keyReplaced.keyReplaced(handle, userId);
        return issued.key();
    }

    /** A freshly stored key, and whether it replaced one (rather than being the account's first). */
    private record Issued(String key, boolean replacedOne) {}

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
        if (!keys.isCurrent(keyId, userId.get())) return false;
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
        Optional<FoundKey> seen = KeyLookup.describe(h, digest);
        if (seen.isEmpty()) return seen;
        h.attach(ApiKeyDao.class).lockUser(seen.get().userId());
        FoundKey key = KeyLookup.describe(h, digest).orElseThrow(); // as it is now that no change can race
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("key_id", key.keyId());
        details.put("key_digest", KeyLookup.digestPrefix(digest));
        details.put("kind", key.kind().wireName());
        if (where.url() != null) details.put("url", where.url());
        if (where.source() != null) details.put("source", where.source());
        String outcome = switch (key.kind()) {
            case MAIN -> {
                retireAndIssue(h, actor, key.userId(), Map.of("reason", "leaked"));
                if (key.accountActive()) {
                    Emails.Email mail = Emails.ownKeyLeaked(organizationName(h), foundAt(where), site + "/account");
                    outbox.email(h, key.email(), mail.subject(), mail.body());
                }
                yield "replaced";
            }
            case BOT -> {
                retireAndIssue(h, actor, key.userId(), Map.of("reason", "leaked"));
                Emails.Email mail = Emails.botKeyLeaked(organizationName(h), key.fullName(), foundAt(where),
                        site + "/bots/" + key.userId());
                for (String owner : h.attach(ApiKeyDao.class).activeBotOwnerEmails(key.userId())) {
                    outbox.email(h, owner, mail.subject(), mail.body());
                }
                botKeyLeaked.botKeyLeaked(h, key.userId(), where);
                yield "replaced";
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
            Optional<FoundKey> found = wellFormed ? KeyLookup.describe(h, digest) : Optional.empty();
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

    private static String organizationName(Handle h) {
        return h.attach(OrganizationDao.class).find().map(Organization::name).orElse("Keydesk");
    }

    private static String foundAt(LeakNotice where) {
        StringBuilder text = new StringBuilder();
        if (where.url() != null) text.append("  URL:    ").append(where.url()).append('\n');
        if (where.source() != null) text.append("  Source: ").append(where.source()).append('\n');
        return text.isEmpty() ? "  (the report did not say)\n" : text.toString();
    }

    /**
     * Retires the current key (if any), stores a new one and clears the user's devices, with the
     * audit rows and the cache announcement.
     */
    private Issued retireAndIssue(Handle handle, Actor actor, long userId, Map<String, ?> auditDetails) {
        ApiKeyDao keys = handle.attach(ApiKeyDao.class);
        keys.lockUser(userId); // concurrent regenerations of one user's key take turns
        boolean hadKey = keys.revokeCurrent(userId) > 0;
        String key = ApiKeyFormat.generate();
        keys.insert(userId, Tokens.sha256(key), cipher.encrypt(userId, key));
        int devices = handle.attach(DeviceDao.class).deleteAllForUser(userId);
        Map<String, Object> details = new LinkedHashMap<>(auditDetails);
        details.put("initial", !hadKey);
        AuditLog.record(handle, AuditEvent.API_KEY_CHANGED, actor, userId, details);
        if (devices > 0) {
            AuditLog.record(handle, AuditEvent.DEVICES_LOGGED_OUT, actor, userId, Map.of("devices", devices));
        }
        cache.announceChange(handle, userId);
        return new Issued(key, hadKey);
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
