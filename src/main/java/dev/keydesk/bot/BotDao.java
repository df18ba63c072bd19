package dev.keydesk.bot;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import dev.keydesk.user.UserRowMapper;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterRowMapper(BotRowMapper.class)
@RegisterConstructorMapper(BotOwner.class)
@RegisterConstructorMapper(BotService.class)
public interface BotDao {
    String BOT_COLUMNS = "u.id, u.email, u.full_name, u.bot_type, u.is_active, u.date_joined, u.avatar_version";

    @SqlUpdate("""
            INSERT INTO users (email, full_name, role, is_bot, bot_type)
            VALUES (:email, :fullName, 400, true, :botType)""")
    @GetGeneratedKeys("id")
    long insert(@Bind("email") String email, @Bind("fullName") String fullName, @Bind("botType") int botType);

    /**
     * The active people a member may find when choosing a bot's owners: those matching the LIKE
     * {@code pattern} among the member and the people who already own a bot with them, and anyone
     * whose whole e-mail address is {@code email}. By name.
     */
    @PlannedPerValue
    @RegisterRowMapper(UserRowMapper.class)
    @SqlQuery("SELECT " + UserDao.COLUMNS + " FROM users WHERE is_active AND NOT is_bot AND ("
            + " lower(email) = lower(:email)"
            + " OR (" + AccountSearch.TEXT + " LIKE :pattern ESCAPE '!' AND (id = :viewer OR id IN ("
            + "   SELECT other.owner_id FROM bot_owners mine JOIN bot_owners other ON other.bot_id = mine.bot_id"
            + "   WHERE mine.owner_id = :viewer))))"
            + " ORDER BY lower(full_name), id LIMIT :limit")
    List<User> ownerCandidates(@Bind("viewer") long viewer, @Bind("pattern") String pattern, @Bind("email") String email,
                               @Bind("limit") int limit);

    @SqlQuery("SELECT " + BOT_COLUMNS + " FROM users u WHERE u.id = :id AND u.is_bot")
    Optional<Bot> find(@Bind("id") long id);

    /**
     * Locks the bots among {@code ids} in id order (so two changes to overlapping sets take turns
     * instead of waiting on each other in a circle), then blocks those still active and returns
     * them, each with its name, in id order. Two statements, however many bots.
     */
    default List<BotActions.Changed> blockActive(long[] ids) {
        lockInIdOrder(ids);
        return blockActiveLocked(ids);
    }

    @SqlQuery("SELECT id FROM users WHERE id = ANY(:ids) AND is_bot ORDER BY id FOR UPDATE")
    List<Long> lockInIdOrder(@Bind("ids") long[] ids);

    @SqlQuery("""
            UPDATE users SET is_active = false WHERE id = ANY(:ids) AND is_bot AND is_active
            RETURNING id, full_name""")
    @RegisterConstructorMapper(BotActions.Changed.class)
    List<BotActions.Changed> blockActiveLocked(@Bind("ids") long[] ids);

    /** The bot, with its row locked until the transaction ends: concurrent changes to one bot take turns. */
    @SqlQuery("SELECT " + BOT_COLUMNS + " FROM users u WHERE u.id = :id AND u.is_bot FOR UPDATE")
    Optional<Bot> lock(@Bind("id") long id);

    @SqlUpdate("INSERT INTO bot_owners (bot_id, owner_id) VALUES (:botId, :ownerId) ON CONFLICT DO NOTHING")
    void addOwner(@Bind("botId") long botId, @Bind("ownerId") long ownerId);

    @SqlUpdate("DELETE FROM bot_owners WHERE bot_id = :botId AND owner_id = :ownerId")
    void removeOwner(@Bind("botId") long botId, @Bind("ownerId") long ownerId);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM bot_owners WHERE bot_id = :botId AND owner_id = :userId)")
    boolean isOwner(@Bind("botId") long botId, @Bind("userId") long userId);

    /** Owners of several bots at once, each bot's in the order they were added (the first is primary). */
    @SqlQuery("""
            SELECT o.bot_id, u.id AS user_id, u.full_name, u.email
            FROM bot_owners o JOIN users u ON u.id = o.owner_id
            WHERE o.bot_id = ANY(:botIds)
            ORDER BY o.bot_id, o.added_at, u.id""")
    List<BotOwner> ownersOf(@Bind("botIds") long[] botIds);

    default List<BotOwner> ownersOf(Collection<Long> botIds) {
        return ownersOf(idArray(botIds));
    }

    /** Ids as one array parameter: a list of any length stays one bind parameter. */
    private static long[] idArray(Collection<Long> ids) {
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    @SqlQuery("SELECT owner_id FROM bot_owners WHERE bot_id = :botId ORDER BY added_at, owner_id LIMIT 1")
    Optional<Long> primaryOwnerId(@Bind("botId") long botId);

    @SqlUpdate("DELETE FROM bot_services WHERE bot_id = :botId")
    void deleteService(@Bind("botId") long botId);

    @SqlUpdate("UPDATE users SET bot_type = :botType WHERE id = :id AND is_bot")
    void updateType(@Bind("id") long id, @Bind("botType") int botType);

    @SqlUpdate("DELETE FROM users WHERE id = :id AND is_bot")
    void delete(@Bind("id") long id);

    @SqlUpdate("UPDATE users SET full_name = :name WHERE id = :id")
    void updateName(@Bind("id") long id, @Bind("name") String name);

    @SqlUpdate("""
            INSERT INTO bot_services (bot_id, payload_url, interface_type, token_ciphertext)
            VALUES (:botId, :payloadUrl, :interfaceType, :token)""")
    void insertService(@Bind("botId") long botId, @Bind("payloadUrl") String payloadUrl,
                       @Bind("interfaceType") int interfaceType, @Bind("token") byte[] tokenCiphertext);

    @SqlUpdate("UPDATE bot_services SET payload_url = :payloadUrl, interface_type = :interfaceType WHERE bot_id = :botId")
    void updateService(@Bind("botId") long botId, @Bind("payloadUrl") String payloadUrl,
                       @Bind("interfaceType") int interfaceType);

    /** The bots among {@code botIds} that have a Webhook URL, with their addresses: who is told of a key change. */
    @SqlQuery("""
            SELECT s.bot_id, u.email, s.payload_url, s.token_ciphertext FROM bot_services s JOIN users u ON u.id = s.bot_id
            WHERE s.bot_id = ANY(:botIds) ORDER BY s.bot_id""")
    @RegisterConstructorMapper(WebhookTarget.class)
    List<WebhookTarget> webhookTargets(@Bind("botIds") long[] botIds);

    default List<WebhookTarget> webhookTargets(Collection<Long> botIds) {
        return webhookTargets(idArray(botIds));
    }

    record WebhookTarget(long botId, String email, String payloadUrl, byte[] tokenCiphertext) {}

    String SERVICES_OF = "SELECT bot_id, payload_url, interface_type, token_ciphertext FROM bot_services WHERE bot_id = ANY(:botIds)";

    @SqlQuery(SERVICES_OF)
    List<BotService> servicesOf(@Bind("botIds") long[] botIds);

    default List<BotService> servicesOf(Collection<Long> botIds) {
        return servicesOf(idArray(botIds));
    }

    @SqlQuery("""
            SELECT id FROM users
            WHERE id = ANY(:ids) AND is_active AND NOT is_bot""")
    List<Long> activeHumans(@Bind("ids") long[] ids);

    default List<Long> activeHumans(Collection<Long> ids) {
        return activeHumans(idArray(ids));
    }

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(:email))")
    boolean emailTaken(@Bind("email") String email);
}
