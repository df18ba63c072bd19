package dev.keydesk.session;

import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import dev.keydesk.user.UserRowMapper;
import java.sql.Timestamp;
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

    /**
     * A live session with its person and the owners' second-factor policy (as stored), which every
     * page's access check needs: read in one statement, so a page costs no more than that before its
     * own reads.
     */
    public record SignedIn(Session session, User user, String secondFactorPolicy) {}

    /** A session of an active user, seen within the idle limit; the user's columns keep their own names. */
    private static final String LIVE_SESSION = """
            SELECT s.id AS session_id, s.last_seen_at AS session_last_seen_at,
                   s.reauthenticated_at AS session_reauthenticated_at, %s,
                   (SELECT o.second_factor_required FROM organizations o WHERE o.id = 1) AS second_factor_policy
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_digest = :digest AND u.is_active AND s.last_seen_at > CAST(:now AS timestamptz) - :idle"""
            .formatted(UserDao.columnsOf("u"));

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

    public Optional<SignedIn> resolve(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) return Optional.empty();
        Instant now = clock.instant();
        return jdbi.withHandle(h -> {
            Optional<SignedIn> found = h.createQuery(LIVE_SESSION)
                    .bind("digest", Tokens.sha256(token)).bind("idle", IDLE_EXPIRY).bind("now", now)
                    .map((rs, ctx) -> new SignedIn(
                            new Session(rs.getLong("session_id"), rs.getLong("id"), formToken(token),
                                    rs.getTimestamp("session_last_seen_at").toInstant(),
                                    Optional.ofNullable(rs.getTimestamp("session_reauthenticated_at")).map(Timestamp::toInstant).orElse(null)),
                            UserRowMapper.INSTANCE.map(rs, ctx), rs.getString("second_factor_policy")))
                    .findOne();
            found.filter(s -> touchDue(s.session().lastSeenAt(), now))
                    .ifPresent(s -> h.attach(SessionDao.class).touch(s.session().id(), now));
            return found;
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
