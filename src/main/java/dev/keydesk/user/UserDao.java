package dev.keydesk.user;

import dev.keydesk.db.PlannedPerValue;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterRowMapper(UserRowMapper.class)
public interface UserDao {
    String COLUMNS = "id, email, full_name, role, is_active, is_bot, bot_type, timezone, date_joined, avatar_version";

    /** {@link #COLUMNS} qualified by a table alias, for joins. */
    static String columnsOf(String alias) {
        return Arrays.stream(COLUMNS.split(", ")).map(c -> alias + "." + c).collect(Collectors.joining(", "));
    }

    @SqlQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
    Optional<User> findById(@Bind("id") long id);

    @SqlQuery("SELECT " + COLUMNS + " FROM users WHERE lower(email) = lower(:email)")
    Optional<User> findByEmail(@Bind("email") String email);

    /** Active people whose name or e-mail matches the LIKE {@code pattern} (see {@code LikePattern}), by name. */
    @PlannedPerValue
    @SqlQuery("SELECT " + COLUMNS + " FROM users WHERE is_active AND NOT is_bot"
            + " AND " + AccountSearch.TEXT + " LIKE :pattern ESCAPE '!'"
            + " ORDER BY lower(full_name), id LIMIT :limit")
    java.util.List<User> searchActiveHumans(@Bind("pattern") String pattern, @Bind("limit") int limit);

    @SqlQuery("SELECT " + COLUMNS + " FROM users WHERE is_active AND NOT is_bot AND id = ANY(:ids) ORDER BY lower(full_name), id")
    java.util.List<User> activeHumansAmong(@Bind("ids") long[] ids);

    /**
     * The account with this address and its password hash (null hash: a bot, or no password set).
     * A plain statement, not a method of this interface: attaching the interface readies every one
     * of its methods, a cost the password check would pay on every call.
     */
    static Optional<StoredPassword> findStoredPassword(Handle h, String email) {
        return h.createQuery("SELECT " + COLUMNS + ", password_hash FROM users WHERE lower(email) = lower(:email)")
                .bind("email", email)
                .map((rs, ctx) -> new StoredPassword(UserRowMapper.INSTANCE.map(rs, ctx), rs.getString("password_hash")))
                .findOne();
    }

    record StoredPassword(User user, String passwordHash) {}

    @SqlUpdate("""
            INSERT INTO users (email, full_name, role, password_hash)
            VALUES (:email, :fullName, :role, :passwordHash)""")
    @GetGeneratedKeys("id")
    long insertHuman(@Bind("email") String email, @Bind("fullName") String fullName,
                     @Bind("role") int role, @Bind("passwordHash") String passwordHash);

    @SqlUpdate("UPDATE users SET password_hash = :hash WHERE id = :id")
    void updatePasswordHash(@Bind("id") long id, @Bind("hash") String hash);

    /** Whether an active account already uses this full name (compared without regard to case). */
    @SqlQuery("SELECT EXISTS (SELECT 1 FROM users WHERE is_active AND lower(full_name) = lower(:name) AND id <> :exceptId)")
    boolean activeNameTaken(@Bind("name") String name, @Bind("exceptId") long exceptId);

    @SqlUpdate("UPDATE users SET last_login_at = :at WHERE id = :id")
    void recordLogin(@Bind("id") long id, @Bind("at") Instant at);

    /**
     * Switches the account to the given state only if it is not in it already: 0 means nothing
     * changed (or no such account), so a repeated or concurrent request writes no audit row twice.
     */
    @SqlUpdate("UPDATE users SET is_active = :active WHERE id = :id AND is_active <> :active")
    int updateActive(@Bind("id") long id, @Bind("active") boolean active);

    @SqlQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id FOR UPDATE")
    Optional<User> lockById(@Bind("id") long id);
}
