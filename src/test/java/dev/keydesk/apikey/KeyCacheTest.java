package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keydesk.user.User;
import java.time.Instant;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class KeyCacheTest {
    private final KeyOwner owner = new KeyOwner(70, new User(7, "hamlet@zulip.com", "King Hamlet", 400, true, false,
            null, "", Instant.EPOCH, 0), null);

    @Test
    void aLookupThatRacedWithAChangeIsNotCached() {
        KeyCache cache = new KeyCache(new SimpleMeterRegistry());
        long before = cache.generation(); // a lookup starts and reads the database…
        cache.forget(7);                  // …the key changes and the change is announced…
        cache.put("digest", owner, before); // …then the lookup's stale result arrives
        assertNull(cache.get("digest"));
    }

    @Test
    void aLookupWithoutInterveningChangesIsCached() {
        KeyCache cache = new KeyCache(new SimpleMeterRegistry());
        cache.put("digest", owner, cache.generation());
        assertEquals(owner, cache.get("digest"));
        cache.forget(8);
        assertEquals(owner, cache.get("digest"), "other users' changes leave the entry");
        cache.forget(7);
        assertNull(cache.get("digest"));
    }

    @Test
    void aNotificationNamingSeveralUsersForgetsEachOfThem() {
        KeyCache cache = new KeyCache(new SimpleMeterRegistry());
        KeyOwner other = new KeyOwner(80, new User(8, "othello@zulip.com", "Othello", 400, true, false,
                null, "", Instant.EPOCH, 0), null);
        KeyOwner third = new KeyOwner(90, new User(9, "iago@zulip.com", "Iago", 400, true, false,
                null, "", Instant.EPOCH, 0), null);
        cache.put("a", owner, cache.generation());
        cache.put("b", other, cache.generation());
        cache.put("c", third, cache.generation());
        cache.onNotification("otherprocess:7,8:" + System.currentTimeMillis());
        assertNull(cache.get("a"));
        assertNull(cache.get("b"));
        assertEquals(third, cache.get("c"), "users not named keep their entries");
        cache.onNotification("otherprocess:*:" + System.currentTimeMillis());
        assertNull(cache.get("c"), "all users");
    }

    @Test
    void aNotificationItCannotReadForgetsEverything() {
        KeyCache cache = new KeyCache(new SimpleMeterRegistry());
        cache.put("a", owner, cache.generation());
        cache.onNotification("otherprocess:7,x:1");
        assertNull(cache.get("a"));
    }
}
