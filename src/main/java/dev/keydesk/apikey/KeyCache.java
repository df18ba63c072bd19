package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;

/**
 * Owners of recently presented keys, by key digest, so most API requests need no database
 * round trip. Entries are dropped when their user's key or state changes, in this process at
 * commit and in every other process through PostgreSQL's NOTIFY (see {@link KeyChangeListener}).
 */
public final class KeyCache {
    private final Cache<String, KeyOwner> owners = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(Duration.ofMinutes(2)) // a backstop only: changes are announced
            .build();
    /** Bumped by every forget, so a lookup that raced with a change does not cache what it read. */
    private final AtomicLong generation = new AtomicLong();
    /** Names this process in its notifications, so it can skip its own (it already forgot at commit). */
    private final String processId = dev.keydesk.security.Tokens.newToken().substring(0, 12);

    KeyOwner get(String digestHex) {
        return owners.getIfPresent(digestHex);
    }

    /** Read before a database lookup and handed to {@link #put} with its result. */
    long generation() {
        return generation.get();
    }

    /**
     * Caches a lookup's result unless some change was announced since the lookup began: the
     * result may predate that change, and its announcement has already been handled.
     */
    void put(String digestHex, KeyOwner owner, long generationBeforeLookup) {
        owners.put(digestHex, owner);
        if (generation.get() != generationBeforeLookup) owners.invalidate(digestHex);
    }

    public void forget(long userId) {
        generation.incrementAndGet();
        owners.asMap().values().removeIf(owner -> owner.userId() == userId);
    }

    public void forgetAll() {
        generation.incrementAndGet();
        owners.invalidateAll();
    }

    /**
     * Called inside the transaction that changes a user's key or active state: every process
     * (this one included) forgets the user's cached key once the change commits.
     */
    public void announceChange(Handle handle, long userId) {
        handle.attach(ApiKeyDao.class).notifyKeyChange(processId + ":" + userId);
        handle.afterCommit(() -> forget(userId));
    }

    /** Handles a notification: "process:user" from any process sharing the database. */
    void onNotification(String payload) {
        int colon = payload.indexOf(':');
        if (colon < 0) {
            forgetAll();
            return;
        }
        if (payload.substring(0, colon).equals(processId)) return;
        try {
            forget(Long.parseLong(payload.substring(colon + 1)));
        } catch (NumberFormatException e) {
            forgetAll();
        }
    }
}
