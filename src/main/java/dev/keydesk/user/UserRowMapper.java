package dev.keydesk.user;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Reads a {@link User} from the columns of {@link UserDao#COLUMNS}. Written out rather than
 * Jdbi's constructor mapper, which inspects the record's constructor again for every result set:
 * a cost paid on every key lookup the cache misses and every password check.
 */
public final class UserRowMapper implements RowMapper<User> {
    public static final UserRowMapper INSTANCE = new UserRowMapper();

    @Override
    public User map(ResultSet rs, StatementContext ctx) throws SQLException {
        Timestamp joined = rs.getTimestamp("date_joined");
        return new User(rs.getLong("id"), rs.getString("email"), rs.getString("full_name"), rs.getInt("role"),
                rs.getBoolean("is_active"), rs.getBoolean("is_bot"), rs.getObject("bot_type", Integer.class),
                rs.getString("timezone"), joined == null ? null : joined.toInstant(), rs.getInt("avatar_version"));
    }
}
