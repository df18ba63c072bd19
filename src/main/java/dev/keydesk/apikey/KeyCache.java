package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.jdbi.v3.core.Handle;

/**
 * Owners of recently presented keys, by key digest, so most API requests need no database
 * round trip. Entries are dropped when their user's key or state changes, in this process at
 * commit and in every other process through PostgreSQL's NOTIFY (see {@link KeyChangeListener}).
 */
public final class KeyCache {
    private final Cache<String, KeyOwner> owners = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(Duration.ofMinutes(10)) // a backstop only: changes are announced
            .build();

    KeyOwner get(String digestHex) {
        return owners.getIfPresent(digestHex);
    }

    void put(String digestHex, KeyOwner owner) {
        owners.put(digestHex, owner);
    }

    public void forget(long userId) {
        owners.asMap().values().removeIf(owner -> owner.userId() == userId);
    }

    public void forgetAll() {
        owners.invalidateAll();
    }

    /**
     * Called inside the transaction that changes a user's key or active state: every process
     * (this one included) forgets the user's cached key once the change commits.
     */
    public void announceChange(Handle handle, long userId) {
        handle.attach(ApiKeyDao.class).notifyKeyChange(userId);
        handle.afterCommit(() -> forget(userId));
    }
}
