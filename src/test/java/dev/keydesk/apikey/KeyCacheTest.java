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
}
