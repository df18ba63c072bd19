package dev.keydesk.session;

import java.time.Instant;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Sessions as stored: no secret, only the digest of each cookie token (by which {@link SessionStore} finds one). */
public interface SessionDao {
    @SqlUpdate("""
            INSERT INTO sessions (token_digest, user_id, ip, user_agent, last_seen_at)
            VALUES (:digest, :userId, :ip, :userAgent, :now)""")
    @GetGeneratedKeys("id")
    long insert(@Bind("digest") byte[] digest, @Bind("userId") long userId, @Bind("ip") String ip,
                @Bind("userAgent") String userAgent, @Bind("now") Instant now);

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
