package dev.keydesk.session;

import java.time.Duration;
import java.time.Instant;

/**
 * A signed-in browser. Only the digest of its cookie token is stored; {@code csrfToken} is derived
 * from the cookie token for each request ({@link SessionStore#formToken}).
 */
public record Session(long id, long userId, String csrfToken, Instant lastSeenAt, Instant reauthenticatedAt) {
    /** Showing, regenerating or downloading a key needs a password entered this recently. */
    public static final Duration REAUTH_WINDOW = Duration.ofMinutes(5);

    public boolean recentlyReauthenticated(Instant now) {
        return reauthenticatedAt != null && reauthenticatedAt.plus(REAUTH_WINDOW).isAfter(now);
    }
}
