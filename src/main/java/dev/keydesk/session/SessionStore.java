package dev.keydesk.session;

import dev.keydesk.security.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Creates and resolves browser sessions kept in PostgreSQL. */
public final class SessionStore {
    /** A session not seen for this long is over (and the retention job deletes it). */
    public static final Duration IDLE_EXPIRY = Duration.ofDays(14);
    /** last_seen_at is written at most this often, so page views rarely write. */
    public static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    /** A new session's cookie value, shown to the browser once, with the stored session. */
    public record Started(String token, Session session) {}

    private final Jdbi jdbi;
    private final Clock clock;

    public SessionStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A fresh session (a new token at every login, so a planted cookie is useless). */
    public Started start(long userId, String ip, String userAgent) {
        String token = Tokens.newToken();
        Instant now = clock.instant();
        return jdbi.inTransaction(h -> {
            SessionDao dao = h.attach(SessionDao.class);
            long id = dao.insert(Tokens.sha256(token), userId, ip, userAgent == null ? "" : truncate(userAgent), now);
            return new Started(token, new Session(id, userId, formToken(token), now, null));
        });
    }

    public Optional<Session> resolve(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) return Optional.empty();
        Instant now = clock.instant();
        return jdbi.withExtension(SessionDao.class, dao -> {
            Optional<SessionDao.Row> found = dao.findLive(Tokens.sha256(token), IDLE_EXPIRY, now);
            found.filter(s -> touchDue(s.lastSeenAt(), now)).ifPresent(s -> dao.touch(s.id(), now));
            return found.map(s -> new Session(s.id(), s.userId(), formToken(token), s.lastSeenAt(), s.reauthenticatedAt()));
        });
    }

    /** Whether a session last seen then is written as seen again now (its idle expiry restarts). */
    static boolean touchDue(Instant lastSeenAt, Instant now) {
        return lastSeenAt.plus(TOUCH_INTERVAL).isBefore(now);
    }

    /** Whether {@link #resolve} restarted this session's idle expiry (by this store's clock). */
    public boolean touchedOnResolve(Session session) {
        return touchDue(session.lastSeenAt(), clock.instant());
    }

    /**
     * The session's form (CSRF) token, derived from its cookie token rather than stored: only the
     * browser holding the cookie, and this server while it answers it, can know it.
     */
    static String formToken(String sessionToken) {
        return Tokens.derive(sessionToken, "keydesk form token v1");
    }

    public void end(long sessionId) {
        jdbi.useExtension(SessionDao.class, dao -> dao.delete(sessionId));
    }

    private static String truncate(String s) {
        return s.length() > 500 ? s.substring(0, 500) : s;
    }
}
