package dev.keydesk.avatar;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

public interface AvatarDao {
    @SqlQuery("SELECT png FROM avatars WHERE user_id = :userId")
    Optional<byte[]> find(@Bind("userId") long userId);

    @SqlUpdate("""
            INSERT INTO avatars (user_id, png) VALUES (:userId, :png)
            ON CONFLICT (user_id) DO UPDATE SET png = EXCLUDED.png, updated_at = now()""")
    void save(@Bind("userId") long userId, @Bind("png") byte[] png);

    @SqlUpdate("UPDATE users SET avatar_version = avatar_version + 1 WHERE id = :userId")
    void bumpVersion(@Bind("userId") long userId);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM users WHERE id = :userId)")
    boolean userExists(@Bind("userId") long userId);
}
