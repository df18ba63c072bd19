package dev.keydesk.support;

import dev.keydesk.account.AccountActions;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyEventListener;
import java.time.Clock;
import java.time.Instant;
import org.jdbi.v3.core.Handle;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.user.PasswordHasher;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Jdbi;

/**
 * The account and key actions built as the composition root builds them, over the fast lane's
 * {@link UnitDatabase}, with a fresh master key and cache. No background worker runs: the outbox
 * only queues, and replaced keys are collected in {@link #replacedKeys()} instead of sent to webhooks.
 */
public final class UnitServices {
    private static final PasswordHasher HASHER = new PasswordHasher();

    private final Jdbi jdbi = UnitDatabase.jdbi();
    private final KeyCipher cipher = new KeyCipher(new SecretKeySpec(randomBytes(32), "AES"));
    private final KeyCache keyCache = new KeyCache(new SimpleMeterRegistry());
    private final List<Long> replacedKeys = new CopyOnWriteArrayList<>();
    private final List<Long> leakedBotKeys = new CopyOnWriteArrayList<>();
    private final ApiKeyActions apiKeys = new ApiKeyActions(jdbi, cipher, keyCache, new Outbox(() -> {}),
            "http://localhost:7070", new KeyEventListener() {
                @Override
                public void replaced(Handle h, long userId, Instant oldKeyWorksUntil) {
                    replacedKeys.add(userId);
                }

                @Override
                public void oldKeyRetired(Handle h, long userId, Instant at) {}

                @Override
                public void expiring(Handle h, long userId, Instant expiresAt) {}

                @Override
                public void expired(Handle h, long userId, Instant expiresAt) {}
            }, (h, botId, where) -> leakedBotKeys.add(botId), Clock.systemUTC());
    private final AccountActions accounts = new AccountActions(jdbi, HASHER, apiKeys, keyCache);

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    public KeyCipher cipher() {
        return cipher;
    }

    public KeyCache keyCache() {
        return keyCache;
    }

    public ApiKeyActions apiKeys() {
        return apiKeys;
    }

    public AccountActions accounts() {
        return accounts;
    }

    /** The argon2id hasher the accounts use (shared: building one hashes a decoy password). */
    public PasswordHasher hasher() {
        return HASHER;
    }

    /** Users whose existing key was replaced, in order (a first key is not a replacement). */
    public List<Long> replacedKeys() {
        return replacedKeys;
    }

    /** Bots whose key was replaced after a leak report, in order. */
    public List<Long> leakedBotKeys() {
        return leakedBotKeys;
    }
}
