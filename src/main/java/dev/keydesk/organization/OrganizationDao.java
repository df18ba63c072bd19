package dev.keydesk.organization;

import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(Organization.class)
public interface OrganizationDao {
    @SqlQuery("SELECT name, created_at FROM organizations WHERE id = 1")
    Optional<Organization> find();

    /** Returns 0 when the organization already exists (another process or link got there first). */
    @SqlUpdate("INSERT INTO organizations (id, name) VALUES (1, :name) ON CONFLICT (id) DO NOTHING")
    int insert(@Bind("name") String name);

    /** The owners' policy: the longest a bot key may live, in days; 0 when there is none. */
    @SqlQuery("SELECT COALESCE((SELECT max_bot_key_lifetime_days FROM organizations WHERE id = 1), 0)")
    int maxBotKeyLifetimeDays();

    /** {@code days} null removes the policy. */
    @SqlUpdate("UPDATE organizations SET max_bot_key_lifetime_days = :days WHERE id = 1")
    int setMaxBotKeyLifetimeDays(@Bind("days") Integer days);

    @SqlUpdate("INSERT INTO setup_tokens (token_digest) VALUES (:digest)")
    void insertSetupToken(@Bind("digest") byte[] digest);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM setup_tokens WHERE token_digest = :digest)")
    boolean setupTokenExists(@Bind("digest") byte[] digest);

    @SqlUpdate("DELETE FROM setup_tokens")
    void deleteSetupTokens();
}
