package dev.keydesk.security;

import dev.keydesk.config.ConfigException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jdbi.v3.core.Jdbi;

/**
 * AES-256-GCM under the master key. Each ciphertext is bound to its user id (associated data),
 * so a ciphertext copied onto another user's row does not decrypt.
 */
public final class KeyCipher {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CHECK_PLAINTEXT = "keydesk master key check";
    private static final byte[] CHECK_CONTEXT = "master-key-check".getBytes(StandardCharsets.UTF_8);

    /**
     * A decrypting cipher per thread: looking one up costs several times the decryption itself,
     * which adds up on a list that shows a thousand keys. Encryption (rare) takes a fresh one.
     */
    private static final ThreadLocal<Cipher> DECRYPTING = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    });

    private final SecretKey key;

    public KeyCipher(SecretKey key) {
        this.key = key;
    }

    /** What a stored secret is; part of the associated data, so one kind cannot pass for another. */
    public enum Purpose { API_KEY, BOT_TOKEN, TOTP_SECRET }

    public byte[] encrypt(long userId, String apiKey) {
        return encrypt(Purpose.API_KEY, userId, apiKey);
    }

    public String decrypt(long userId, byte[] blob) {
        return decrypt(Purpose.API_KEY, userId, blob);
    }

    public byte[] encrypt(Purpose purpose, long userId, String secret) {
        return seal(context(purpose, userId), secret.getBytes(StandardCharsets.UTF_8));
    }

    public String decrypt(Purpose purpose, long userId, byte[] blob) {
        try {
            return new String(open(context(purpose, userId), blob), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A stored secret does not decrypt under the master key", e);
        }
    }

    /**
     * Stores a check value on first use and afterwards verifies it, so a process started with
     * another master key stops with a clear message instead of failing on the first key it shows.
     */
    public void verifyAgainst(Jdbi jdbi) {
        jdbi.useTransaction(h -> {
            h.execute("LOCK TABLE master_key_check IN EXCLUSIVE MODE");
            var stored = h.createQuery("SELECT check_value FROM master_key_check WHERE id = 1")
                    .mapTo(byte[].class).findOne();
            if (stored.isEmpty()) {
                h.createUpdate("INSERT INTO master_key_check (id, check_value) VALUES (1, :v)")
                        .bind("v", seal(CHECK_CONTEXT, CHECK_PLAINTEXT.getBytes(StandardCharsets.UTF_8)))
                        .execute();
                return;
            }
            try {
                open(CHECK_CONTEXT, stored.get());
            } catch (AEADBadTagException e) {
                throw new ConfigException("The master key file does not match this database: API keys stored here "
                        + "were encrypted with another key. Point KEYDESK_MASTER_KEY_FILE at the original file.");
            } catch (GeneralSecurityException e) {
                throw new ConfigException("Cannot check the master key: " + e.getMessage(), e);
            }
        });
    }

    private byte[] seal(byte[] context, byte[] plaintext) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            dev.keydesk.security.Tokens.random().nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    private byte[] open(byte[] context, byte[] blob) throws GeneralSecurityException {
        if (blob.length <= NONCE_BYTES) throw new AEADBadTagException("ciphertext too short");
        // Init resets it (a failed tag check included), so every decryption starts clean.
        Cipher cipher = DECRYPTING.get();
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, blob, 0, NONCE_BYTES));
        cipher.updateAAD(context);
        return cipher.doFinal(blob, NONCE_BYTES, blob.length - NONCE_BYTES);
    }

    private static byte[] context(Purpose purpose, long userId) {
        String prefix = switch (purpose) {
            case API_KEY -> "api-key:";
            case BOT_TOKEN -> "bot-token:";
            case TOTP_SECRET -> "totp-secret:";
        };
        return (prefix + userId).getBytes(StandardCharsets.UTF_8);
    }
}
