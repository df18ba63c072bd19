package dev.keydesk.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(SessionDao.Row.class)
public interface SessionDao {
    /** A stored session: no secret, only the digest of its cookie token (by which it is found). */
    record Row(long id, long userId, Instant lastSeenAt, Instant reauthenticatedAt) {}

    @SqlUpdate("""
            INSERT INTO sessions (token_digest, user_id, ip, user_agent, last_seen_at)
            VALUES (:digest, :userId, :ip, :userAgent, :now)""")
    @GetGeneratedKeys("id")
    long insert(@Bind("digest") byte[] digest, @Bind("userId") long userId, @Bind("ip") String ip,
                @Bind("userAgent") String userAgent, @Bind("now") Instant now);

    /** A session of an active user, seen within the idle limit. */
    @SqlQuery("""
            SELECT s.id, s.user_id, s.last_seen_at, s.reauthenticated_at
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_digest = :digest AND u.is_active AND s.last_seen_at > CAST(:now AS timestamptz) - :idle""")
    Optional<Row> findLive(@Bind("digest") byte[] digest, @Bind("idle") Duration idle, @Bind("now") Instant now);

    @SqlUpdate("UPDATE sessions SET last_seen_at = :now WHERE id = :id")
    void touch(@Bind("id") long id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE sessions SET reauthenticated_at = :now WHERE id = :id")
    void markReauthenticated(@Bind("id") long id, @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM sessions WHERE id = :id")
    void delete(@Bind("id") long id);

    @SqlUpdate("DELETE FROM sessions WHERE user_id = :userId AND id <> :keepId")
    int deleteOthers(@Bind("userId") long userId, @Bind("keepId") long keepId);

    @SqlUpdate("DELETE FROM sessions WHERE user_id = :userId")
    int deleteAllForUser(@Bind("userId") long userId);
}
