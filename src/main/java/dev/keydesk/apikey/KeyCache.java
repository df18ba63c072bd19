package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.keydesk.db.BeforeCommit;
import dev.keydesk.db.ChangeListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.keydesk.security.Tokens;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;

/**
 * Owners of recently presented keys, by key digest, so most API requests need no database
 * round trip. Entries are dropped when their user's key or account changes, in this process at
 * commit and in every other process through PostgreSQL's NOTIFY (see {@link ChangeListener}).
 *
 * <p>Forgetting a user costs O(their keys), not O(cache size): each entry carries its user's
 * epoch, which {@link #forget} advances, so an entry of an earlier epoch is never served. An
 * index from user to digests then frees those entries' memory (best effort: correctness does
 * not depend on it).
 */
public final class KeyCache implements ChangeListener.Subscriber {
    /** The NOTIFY channel of key and account changes. */
    public static final String CHANNEL = "keydesk_key_changes";
    /** Room for user ids in a notification, below PostgreSQL's payload limit with the rest of it. */
    static final int MAX_USERS_IN_PAYLOAD = 7_900;
    private static final String ALL_USERS = "*";

    private final ConcurrentHashMap<Long, Set<String>> digestsByUser = new ConcurrentHashMap<>();
    /** A cached owner and the epoch of its user when it was looked up. */
    private record Entry(KeyOwner owner, long epoch) {}

    private final ConcurrentHashMap<Long, Long> epochs = new ConcurrentHashMap<>();
    private final Cache<String, Entry> owners = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(Duration.ofMinutes(2)) // a backstop only: changes are announced
            .executor(Runnable::run) // keep the user index in step with evictions, synchronously
            .removalListener((String digest, Entry entry, RemovalCause cause) -> {
                if (entry != null && cause != RemovalCause.REPLACED) unindex(entry.owner().user().id(), digest);
            })
            .build();
    /**
     * Digests of well-formed keys that matched no current key. A miss is cached only if no key
     * change was announced during its lookup, and every announced change drops all misses: a
     * new key is always announced (its account's keys changed), so a miss can never hide it.
     */
    private final Cache<String, Boolean> misses = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();
    /** Bumped by every forget, so a lookup that raced with a change does not cache what it read. */
    private final AtomicLong generation = new AtomicLong();
    /** Names this process in its notifications, so it can skip its own (it already forgot at commit). */
    private final String processId = Tokens.newToken().substring(0, 12);
    /** From a change's commit in one process to its invalidation in this one. */
    private final Timer invalidationDelay;

    public KeyCache(MeterRegistry meters) {
        this.invalidationDelay = Timer.builder("keydesk_key_invalidation_delay")
                .description("Time from a key change in another process to its invalidation in this one")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    KeyOwner get(String digestHex) {
        Entry entry = owners.getIfPresent(digestHex);
        if (entry == null) return null;
        return entry.epoch() == epochOf(entry.owner().user().id()) ? entry.owner() : null;
    }

    private long epochOf(long userId) {
        return epochs.getOrDefault(userId, 0L);
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
        long userId = owner.user().id();
        long epoch = epochOf(userId);
        digestsByUser.computeIfAbsent(userId, id -> ConcurrentHashMap.newKeySet()).add(digestHex);
        owners.put(digestHex, new Entry(owner, epoch));
        if (generation.get() != generationBeforeLookup) owners.invalidate(digestHex);
    }

    boolean isKnownMiss(String digestHex) {
        return misses.getIfPresent(digestHex) != null;
    }

    void putMiss(String digestHex, long generationBeforeLookup) {
        misses.put(digestHex, Boolean.TRUE);
        if (generation.get() != generationBeforeLookup) misses.invalidate(digestHex);
    }

    public void forget(long userId) {
        generation.incrementAndGet();
        epochs.merge(userId, 1L, Long::sum);
        misses.invalidateAll();
        Set<String> digests = digestsByUser.remove(userId);
        if (digests != null) owners.invalidateAll(digests);
    }

    public void forgetAll() {
        generation.incrementAndGet();
        misses.invalidateAll();
        owners.invalidateAll();
        digestsByUser.clear();
    }

    /** How many keys are cached; the benchmark fills the cache and reports it. */
    public long size() {
        return owners.estimatedSize();
    }

    private void unindex(long userId, String digest) {
        digestsByUser.computeIfPresent(userId, (id, digests) -> {
            digests.remove(digest);
            return digests.isEmpty() ? null : digests;
        });
    }

    /**
     * Called inside the transaction that changes a user's key or account: every process (this
     * one included) forgets the user's cached keys once the change commits. The users a
     * transaction touches are announced together, in one notification just before it commits
     * (deactivating the owner of a thousand bots is one NOTIFY, not a thousand).
     */
    public void announceChange(Handle handle, long userId) {
        BeforeCommit.collect(handle, CHANNEL, userId, users -> notifyOthers(handle, users));
        handle.afterCommit(() -> forget(userId));
    }

    /**
     * "process:users:millis", the users as comma-separated ids; when they do not fit in one
     * payload (PostgreSQL takes fewer than 8,000 bytes), "*" for all: the other processes then
     * forget every cached key, which costs them some lookups but never serves a stale key.
     */
    private void notifyOthers(Handle handle, Set<Long> userIds) {
        StringBuilder ids = new StringBuilder();
        for (long id : userIds) {
            if (!ids.isEmpty()) ids.append(',');
            ids.append(id);
        }
        String users = ids.length() > MAX_USERS_IN_PAYLOAD ? ALL_USERS : ids.toString();
        // The machine's time, not the injected clock: it only measures the notification's delay between processes.
        ApiKeyDao.notifyKeyChange(handle, processId + ":" + users + ":" + System.currentTimeMillis());
    }

    @Override
    public void resync() {
        forgetAll();
    }

    /** Handles a notification, "process:users:millis", from any process sharing the database. */
    @Override
    public void onNotification(String payload) {
        String[] parts = payload.split(":");
        if (parts.length != 3) {
            forgetAll();
            return;
        }
        if (parts[0].equals(processId)) return;
        try {
            if (parts[1].equals(ALL_USERS)) {
                forgetAll();
            } else {
                for (String id : parts[1].split(",")) forget(Long.parseLong(id));
            }
            long delay = System.currentTimeMillis() - Long.parseLong(parts[2]);
            invalidationDelay.record(Duration.ofMillis(Math.max(0, delay)));
        } catch (NumberFormatException e) {
            forgetAll();
        }
    }
}
