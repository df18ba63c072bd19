package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.security.Tokens;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Every change to API keys, each with its audit rows in the same transaction. */
public final class ApiKeyActions {
    private final Jdbi jdbi;
    private final KeyCipher cipher;
    private final KeyCache cache;
    private KeyReplacedListener keyReplaced = (handle, userId) -> {};

    /** Told, inside the transaction, whenever an existing key is replaced (not when a first key is issued). */
    public interface KeyReplacedListener {
        void keyReplaced(Handle handle, long userId);
    }

    public ApiKeyActions(Jdbi jdbi, KeyCipher cipher, KeyCache cache) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.cache = cache;
    }

    /** Generates a new key for the user and logs out every device that used the old one. */
    public String regenerateKey(Actor actor, long userId) {
        return jdbi.inTransaction(h -> replaceKey(h, actor, userId));
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

    public void onKeyReplaced(KeyReplacedListener listener) {
        this.keyReplaced = listener;
    }

    /** Decrypts the user's current key for display or download, and records that it was shown. */
    public String revealKey(Actor actor, long userId, String purpose) {
        return jdbi.inTransaction(h -> revealKey(h, actor, userId, purpose));
    }

    public String revealKey(Handle handle, Actor actor, long userId, String purpose) {
        byte[] ciphertext = handle.attach(ApiKeyDao.class).findCurrentCiphertext(userId)
                .orElseThrow(() -> new IllegalStateException("User " + userId + " has no current API key"));
        AuditLog.record(handle, AuditEvent.API_KEY_REVEALED, actor, userId, Map.of("purpose", purpose));
        return cipher.decrypt(userId, ciphertext);
    }
}
