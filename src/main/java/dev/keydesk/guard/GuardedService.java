package dev.keydesk.guard;

import java.time.Instant;

/** A service of the organization whose reverse proxy (or own code) asks Keydesk whether a key may call it. */
public record GuardedService(long id, String name, String description, String access, Integer rateLimitPerMinute,
                             Instant createdAt) {
    public Access accessRule() {
        return Access.parse(access);
    }
}
