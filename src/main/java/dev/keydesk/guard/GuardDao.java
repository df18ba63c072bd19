package dev.keydesk.guard;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import dev.keydesk.user.UserRowMapper;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(GuardedService.class)
@RegisterConstructorMapper(GuardDao.ServiceToken.class)
@RegisterConstructorMapper(GuardDao.Membership.class)
@RegisterRowMapper(UserRowMapper.class)
public interface GuardDao {
    String COLUMNS = "id, name, description, access, rate_limit_per_minute, created_at";

    record ServiceToken(long id, byte[] tokenDigest) {}

    record Membership(long serviceId, long userId) {}

    @SqlUpdate("""
            INSERT INTO guarded_services (name, description, access, rate_limit_per_minute, token_digest)
            VALUES (:name, :description, :access, :rateLimit, :digest)""")
    @GetGeneratedKeys("id")
    long insert(@Bind("name") String name, @Bind("description") String description, @Bind("access") String access,
                @Bind("rateLimit") Integer rateLimit, @Bind("digest") byte[] tokenDigest);

    @SqlQuery("SELECT " + COLUMNS + " FROM guarded_services ORDER BY lower(name), id")
    List<GuardedService> listAll();

    @SqlQuery("SELECT " + COLUMNS + " FROM guarded_services WHERE id = :id")
    Optional<GuardedService> find(@Bind("id") long id);

    @SqlQuery("SELECT " + COLUMNS + " FROM guarded_services WHERE id = :id FOR UPDATE")
    Optional<GuardedService> lock(@Bind("id") long id);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM guarded_services WHERE lower(name) = lower(:name) AND id <> :exceptId)")
    boolean nameTaken(@Bind("name") String name, @Bind("exceptId") long exceptId);

    @SqlUpdate("""
            UPDATE guarded_services SET name = :name, description = :description, access = :access,
                   rate_limit_per_minute = :rateLimit WHERE id = :id""")
    void update(@Bind("id") long id, @Bind("name") String name, @Bind("description") String description,
                @Bind("access") String access, @Bind("rateLimit") Integer rateLimit);

    @SqlUpdate("UPDATE guarded_services SET token_digest = :digest WHERE id = :id")
    void updateToken(@Bind("id") long id, @Bind("digest") byte[] tokenDigest);

    @SqlUpdate("DELETE FROM guarded_services WHERE id = :id")
    int delete(@Bind("id") long id);

    @SqlQuery("SELECT id, token_digest FROM guarded_services")
    List<ServiceToken> tokens();

    @SqlQuery("SELECT service_id, user_id FROM guarded_service_members")
    List<Membership> memberships();

    @SqlUpdate("INSERT INTO guarded_service_members (service_id, user_id) VALUES (:serviceId, :userId) ON CONFLICT DO NOTHING")
    int addMember(@Bind("serviceId") long serviceId, @Bind("userId") long userId);

    @SqlUpdate("DELETE FROM guarded_service_members WHERE service_id = :serviceId AND user_id = :userId")
    int removeMember(@Bind("serviceId") long serviceId, @Bind("userId") long userId);

    @SqlQuery("SELECT " + UserDao.COLUMNS + " FROM users WHERE id IN (SELECT user_id FROM guarded_service_members WHERE service_id = :id) ORDER BY lower(full_name), id")
    List<User> members(@Bind("id") long serviceId);

    /** The services a key's account may call: for a bot's page and the Keys console. */
    @SqlQuery("""
            SELECT\s""" + COLUMNS + """
             FROM guarded_services s
            WHERE s.access = 'everyone'
               OR (s.access = 'admins' AND :isAdmin)
               OR (s.access = 'chosen' AND EXISTS (SELECT 1 FROM guarded_service_members m
                                                   WHERE m.service_id = s.id AND m.user_id = :userId))
            ORDER BY lower(s.name), s.id""")
    List<GuardedService> openedFor(@Bind("userId") long userId, @Bind("isAdmin") boolean isAdmin);

    @SqlQuery("SELECT service_id, user_id FROM guarded_service_members WHERE user_id = ANY(:userIds)")
    List<Membership> membershipsOf(@Bind("userIds") long[] userIds);

    /** Active people and bots whose name or address contains the pattern, for the member picker. */
    @PlannedPerValue
    @SqlQuery("SELECT " + UserDao.COLUMNS + " FROM users WHERE is_active AND " + AccountSearch.TEXT
            + " LIKE :pattern ESCAPE '!' ORDER BY lower(full_name), id LIMIT :limit")
    List<User> searchAccounts(@Bind("pattern") String pattern, @Bind("limit") int limit);
}
