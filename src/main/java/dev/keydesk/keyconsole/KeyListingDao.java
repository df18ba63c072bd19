package dev.keydesk.keyconsole;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** Searching every bot of the organization by name or e-mail, a page at a time. */
@RegisterConstructorMapper(KeyListing.class)
public interface KeyListingDao {
    String MATCHES = """
            u.is_bot AND (lower(u.full_name) LIKE :pattern ESCAPE '!' OR lower(u.email) LIKE :pattern ESCAPE '!')""";

    @SqlQuery("""
            SELECT u.id, u.email, u.full_name, u.bot_type, u.is_active, u.avatar_version,
                   k.created_at AS key_created_at, k.last_used_at
            FROM users u LEFT JOIN api_keys k ON k.user_id = u.id AND k.revoked_at IS NULL
            WHERE""" + " " + MATCHES + """

            ORDER BY lower(u.full_name), u.id
            LIMIT :limit OFFSET :offset""")
    List<KeyListing> search(@Bind("pattern") String pattern, @Bind("limit") int limit, @Bind("offset") long offset);

    @SqlQuery("SELECT count(*) FROM users u WHERE " + MATCHES)
    long count(@Bind("pattern") String pattern);
}
