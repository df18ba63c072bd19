package dev.keydesk.bot;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Reads a {@link Bot} from the columns of {@link BotDao#BOT_COLUMNS}. Written out rather than
 * Jdbi's constructor mapper, which calls the constructor through a spreading method handle for
 * every row: a list of a thousand bots paid for it a thousand times.
 */
public final class BotRowMapper implements RowMapper<Bot> {
    @Override
    public Bot map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Bot(rs.getLong("id"), rs.getString("email"), rs.getString("full_name"), rs.getInt("bot_type"),
                rs.getBoolean("is_active"), rs.getTimestamp("date_joined").toInstant(), rs.getInt("avatar_version"));
    }
}
