package dev.keydesk.account;

import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(PasswordResetDao.Pending.class)
public interface PasswordResetDao {
    record Pending(long id, long userId) {}

    @SqlUpdate("INSERT INTO password_resets (user_id, token_digest, expires_at) VALUES (:userId, :digest, :expiresAt)")
    void insert(@Bind("userId") long userId, @Bind("digest") byte[] digest, @Bind("expiresAt") Instant expiresAt);

    @SqlQuery("""
            SELECT r.id, r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
            WHERE r.token_digest = :digest AND r.used_at IS NULL AND r.expires_at > :now AND u.is_active""")
    Optional<Pending> findUsable(@Bind("digest") byte[] digest, @Bind("now") Instant now);

    /** Uses the link up; 0 when it was used (or expired) meanwhile. */
    @SqlUpdate("UPDATE password_resets SET used_at = :now WHERE id = :id AND used_at IS NULL AND expires_at > :now")
    int markUsed(@Bind("id") long id, @Bind("now") Instant now);

    /** A new password makes every other pending link for the account useless. */
    @SqlUpdate("UPDATE password_resets SET used_at = now() WHERE user_id = :userId AND used_at IS NULL")
    void retireAll(@Bind("userId") long userId);
}
